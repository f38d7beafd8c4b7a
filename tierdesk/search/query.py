"""What a person typed into the search box, taken apart (pure).

`orders 401 status:open partner:acme -timeout "access denied"` is text — words, quoted
phrases, `-excluded` words, `OR` — and filters `name:value` (`status:`, `level:`,
`partner:`, `flow:`, `customer:`; quote a value with spaces: `customer:"Ann Lee"`). A
ticket reference in any prefix (`TD-10001`, `ACME#10001`, `#10001`) also finds its
ticket by number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILTERS = ("status", "level", "partner", "flow", "customer")
MAX_QUERY = 500
MAX_TERMS = 16

_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))')
_REFERENCE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9]{0,19}[-#]|#)?(\d{1,9})$")
_ID_LIKE = re.compile(r"^(?=.*\d)[0-9a-fA-F]{6,24}$|@")


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False
    phrase: bool = False
    alternative: bool = False  # joined to the term before it by OR

    @property
    def id_like(self) -> bool:
        """A platform ID (or a piece of one) or an address: matched as a substring."""
        return bool(_ID_LIKE.search(self.text)) and not self.negated


@dataclass
class Parsed:
    terms: list[Term] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    numbers: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text part again, as websearch syntax."""
        out = []
        for term in self.terms:
            word = f'"{term.text}"' if term.phrase else term.text
            if term.alternative:
                out.append("OR")
            out.append(f"-{word}" if term.negated else word)
        return " ".join(out)

    @property
    def positive(self) -> list[Term]:
        return [t for t in self.terms if not t.negated]


def parse_query(raw: str) -> Parsed:
    parsed = Parsed()
    alternative = False
    for match in _TOKEN.finditer((raw or "")[:MAX_QUERY]):
        minus, name, quoted, bare = match.groups()
        value = quoted if quoted is not None else bare
        if name and name.lower() in FILTERS:
            if value:
                parsed.filters[name.lower()] = value.strip()
            continue
        if name:  # `word:` that is no filter: keep it as text
            value = f"{name}:{value}"
        value = value.strip()
        if not value:
            continue
        if value == "OR" and not minus and quoted is None:
            alternative = bool(parsed.terms)
            continue
        if len(parsed.terms) >= MAX_TERMS:
            break
        reference = _REFERENCE.match(value)
        if reference and not minus and quoted is None and not value.isdigit():
            parsed.numbers.append(int(reference.group(1)))
        elif reference and not minus and value.isdigit() and len(value) >= 4:
            parsed.numbers.append(int(value))
        parsed.terms.append(
            Term(
                text=value,
                negated=bool(minus),
                phrase=quoted is not None,
                alternative=alternative,
            )
        )
        alternative = False
    return parsed
