"""Names of a bench load that the benchmark's HTTP client needs without Django: the
people who sign in, their password, the rare words."""

from __future__ import annotations

# The password of the first person of each role (the benchmark signs in as them); every
# other generated person has none. Bench databases only.
PASSWORD = "bench-password-1"
DOMAIN = "bench.example"
RARE_EVERY = 20_000  # "lantern<k>": one ticket in RARE_EVERY carries each rare word
COMMON_WORD = "orders"  # in every ticket's description


def email(role: str, n: int, partner: int | None = None) -> str:
    """The generated person's address: `l2-agent-1@bench.example`, `customer-3-17@…`."""
    where = f"{partner}-" if partner is not None else ""
    return f"{role.replace('_', '-')}-{where}{n}@{DOMAIN}"
