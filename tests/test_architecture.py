"""The code's shape, checked by reading the source (nothing is imported).

1. One access choke point: the managers of Ticket, Message, Attachment and TicketEvent are
   used only in tickets/models.py, tickets/access.py and migrations. The write layer
   (tickets/services/, tickets/events.py) may `.objects.create(...)` rows under a ticket
   it already fetched through `access.get_ticket`; it may not read through a manager.
2. Only `tickets/services/_moves.py` assigns a ticket's status or level.
3. No module past 450 lines (migrations excepted): it becomes a package.
4. The core imports no outer app: `tierdesk/tickets/` imports only `core`, `accounts`,
   `directory` and itself (every app added later is outer too). The outer apps hear the
   core through `tickets.bus` and add to its pages through `tickets.sections`.

Violations found in code that is not ours are listed under PENDING with the reason they
were reported; an entry that is fixed raises a warning asking to remove it (a warning,
not a failure, so whoever fixes it elsewhere is not stopped by this file).
"""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tierdesk"
MAX_LINES = 450

GUARDED_MODELS = ("Ticket", "Message", "Attachment", "TicketEvent")
MANAGER_USE = re.compile(
    r"\b(?P<model>" + "|".join(GUARDED_MODELS) + r")\s*\.\s*"
    r"(?P<manager>objects|_default_manager|_base_manager)\b(?:\s*\.\s*(?P<method>\w+))?"
)
MANAGER_ALLOWED = {"tierdesk/tickets/models.py", "tierdesk/tickets/access.py"}
CREATE_ALLOWED_PREFIXES = ("tierdesk/tickets/services/", "tierdesk/tickets/events.py")
STATE_WRITER = "tierdesk/tickets/services/_moves.py"
STATE_FIELDS = {"status", "level"}
CORE = "tierdesk/tickets/"
CORE_MAY_IMPORT = {"core", "accounts", "directory", "tickets"}

# Reported to the owners of these files; remove an entry once it is fixed.
PENDING_MANAGER_USES: dict[tuple[str, str], str] = {
    ("tierdesk/demo/reset.py", "Attachment.objects"): (
        "lists the demo tickets' files past access.visible_attachments"
    ),
}
PENDING_LONG_FILES: dict[str, str] = {}


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------------------------------
# The detectors (tested on their own below, so a silent detector cannot pass the checks)
# ---------------------------------------------------------------------------------------
def manager_uses(name: str, text: str) -> list[tuple[str, int, str]]:
    """(model.manager, line number, line) for every guarded manager this file may not use."""
    if name in MANAGER_ALLOWED:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        for match in MANAGER_USE.finditer(code):
            write_layer = name.startswith(CREATE_ALLOWED_PREFIXES)
            if write_layer and match["manager"] == "objects" and match["method"] == "create":
                continue
            found.append((f"{match['model']}.{match['manager']}", number, line.strip()))
    return found


def _about_a_ticket(node: ast.AST) -> bool:
    return "ticket" in ast.unparse(node).lower()


def _targets(node: ast.AST):
    if isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


def state_writes(name: str, text: str) -> list[tuple[int, str]]:
    """(line number, code) for every write of a ticket's status or level: assignments
    (plain, tuple, augmented, annotated), setattr(ticket, "status", …), and
    `<tickets>.update(status=…)` / `Ticket(status=…)` / `Ticket.objects.create(level=…)`."""
    if name == STATE_WRITER:
        return []
    found = []
    for node in ast.walk(ast.parse(text)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in (t for group in targets for t in _targets(group)):
            if (
                isinstance(target, ast.Attribute)
                and target.attr in STATE_FIELDS
                and _about_a_ticket(target.value)
            ):
                found.append((node.lineno, ast.unparse(node)))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in STATE_FIELDS
            and _about_a_ticket(node.args[0])
        ):
            found.append((node.lineno, ast.unparse(node)))
        state_kwargs = {kw.arg for kw in node.keywords} & STATE_FIELDS
        if not state_kwargs:
            continue
        is_update = (
            isinstance(func, ast.Attribute)
            and func.attr in ("update", "create", "update_or_create", "get_or_create")
            and _about_a_ticket(func.value)
        )
        is_constructor = isinstance(func, ast.Name) and func.id == "Ticket"
        if is_update or is_constructor:
            found.append((node.lineno, ast.unparse(node)))
    return found


def outer_imports(text: str) -> list[tuple[int, str]]:
    """(line number, module) for every import of a `tierdesk` app the core may not import:
    top-level or inside a function, `import x`, `from x import y`, `from tierdesk import x`
    and `importlib.import_module("tierdesk.x…")`."""
    found = []

    def check(number: int, module: str) -> None:
        parts = module.split(".")
        if parts[0] == "tierdesk" and len(parts) > 1 and parts[1] not in CORE_MAY_IMPORT:
            found.append((number, module))

    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                check(node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "tierdesk":
                for alias in node.names:
                    check(node.lineno, f"tierdesk.{alias.name}")
            else:
                check(node.lineno, node.module)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            check(node.lineno, node.args[0].value)
    return found


def test_the_import_detector_finds_every_shape_of_outer_import():
    # given a module importing outer apps in every way Python allows, and core imports
    text = (
        "from tierdesk.mail import notifications\n"
        "import tierdesk.notify.outbox\n"
        "from tierdesk import sla\n"
        "def f():\n"
        "    from tierdesk.notifications.models import Notification\n"
        "    return importlib.import_module('tierdesk.portal.views')\n"
        "from tierdesk.core.actor import Actor\n"
        "from tierdesk.tickets import bus\n"
        "from tierdesk import tickets\n"
        "from . import sibling\n"
        "import tierdesk\n"
    )
    # then each outer import is found, with its line; core imports are not
    assert outer_imports(text) == [
        (1, "tierdesk.mail"),
        (2, "tierdesk.notify.outbox"),
        (3, "tierdesk.sla"),
        (5, "tierdesk.notifications.models"),
        (6, "tierdesk.portal.views"),
    ]


def test_the_manager_detector_finds_reads_and_spares_allowed_writes():
    # given lines that read through a guarded manager, in a module outside the choke point
    text = (
        "a = Ticket.objects.filter(pk=1)\n"
        "b = Message._default_manager.all()\n"
        "c = TicketEvent . objects . get(pk=2)\n"
        "d = Attachment.objects.create(ticket=t)\n"
        "# Ticket.objects in a comment is no use\n"
        "e = Contract.objects.all()\n"
        "f = MyTicket.objects.all()\n"
    )
    # then each guarded read is found; other models and comments are not
    found = [use for use, _n, _line in manager_uses("tierdesk/sla/selectors.py", text)]
    assert found == [
        "Ticket.objects",
        "Message._default_manager",
        "TicketEvent.objects",
        "Attachment.objects",
    ]
    # and in the write layer only `.objects.create(` is allowed
    in_services = manager_uses("tierdesk/tickets/services/x.py", text)
    assert [use for use, _n, _line in in_services] == [
        "Ticket.objects",
        "Message._default_manager",
        "TicketEvent.objects",
    ]
    assert manager_uses("tierdesk/tickets/access.py", text) == []


def test_the_state_detector_finds_every_shape_of_write():
    # given code writing a ticket's status or level in several ways, and similar code that
    # writes something else
    text = (
        "ticket.status = 'closed'\n"
        "ticket.level, ticket.status = 2, 'new'\n"
        "self.ticket.level += 1\n"
        "setattr(ticket, 'status', 'new')\n"
        "visible_tickets(actor).filter(pk=1).update(status='closed')\n"
        "Ticket(title='x', level=3)\n"
        "delivery.status = 'sent'\n"
        "x = ticket.status == 'new'\n"
        "ticket.title = 'ok'\n"
        "setattr(ticket, key, value)\n"
    )
    # then exactly the ticket state writes are found
    lines = [n for n, _code in state_writes("tierdesk/x.py", text)]
    assert sorted(lines) == [1, 2, 2, 3, 4, 5, 6]
    assert state_writes(STATE_WRITER, text) == []


# ---------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------
def _all_manager_uses() -> dict[tuple[str, str], list[str]]:
    uses: dict[tuple[str, str], list[str]] = {}
    for path in source_files():
        name = rel(path)
        for use, number, line in manager_uses(name, path.read_text(encoding="utf-8")):
            uses.setdefault((name, use), []).append(f"{name}:{number}: {line}")
    return uses


def test_guarded_managers_are_used_only_behind_the_access_choke_point():
    # given every module of the package (migrations aside)
    # when we look for the managers of tickets, messages, attachments and events
    uses = _all_manager_uses()
    # then none is used outside models, access and the write layer's creates
    new = [line for key, lines in uses.items() if key not in PENDING_MANAGER_USES for line in lines]
    assert new == [], "read through tierdesk.tickets.access instead"


def _warn_if_fixed(fixed: list, where: str) -> None:
    if fixed:
        warnings.warn(f"fixed, remove from {where}: {fixed}", UserWarning, stacklevel=2)


def test_pending_manager_uses_are_still_there():
    # an entry fixed by its owner should leave the list, so the list only shrinks
    uses = _all_manager_uses()
    _warn_if_fixed([key for key in PENDING_MANAGER_USES if key not in uses], "PENDING_MANAGER_USES")


def test_only_the_move_function_assigns_status_and_level():
    # given every module of the package (the tests folder is not scanned)
    found = []
    for path in source_files():
        name = rel(path)
        # when we look for writes of a ticket's status or level
        for number, code in state_writes(name, path.read_text(encoding="utf-8")):
            found.append(f"{name}:{number}: {code}")
    # then there are none outside services/_moves.py
    assert found == [], "move a ticket only through services._moves.move()"
    # and the move function itself does assign them (so the check looks at real code)
    writer = (ROOT / STATE_WRITER).read_text(encoding="utf-8")
    assert state_writes("elsewhere.py", writer), "the detector no longer sees _moves.py"


def test_the_core_imports_no_outer_app():
    # given every module of tierdesk/tickets/ (this holds for any app added later, too)
    core = [p for p in source_files() if rel(p).startswith(CORE)]
    assert len(core) > 10  # the scan really saw the core
    # when we look for imports of tierdesk apps
    found = [
        f"{rel(path)}:{number}: {module}"
        for path in core
        for number, module in outer_imports(path.read_text(encoding="utf-8"))
    ]
    # then there are none outside core, accounts, directory and tickets itself
    assert found == [], "publish on tickets.bus or contribute to tickets.sections instead"


def test_no_module_is_longer_than_450_lines():
    # given every module of the package (migrations aside)
    lengths = {rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in source_files()}
    # then none is past the limit (a longer one becomes a package), but for those reported
    long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert {k: v for k, v in long.items() if k not in PENDING_LONG_FILES} == {}
    _warn_if_fixed([name for name in PENDING_LONG_FILES if name not in long], "PENDING_LONG_FILES")
    assert len(lengths) > 20  # the scan really saw the package
