"""How Hypothesis prints a falsifying account: its data, not its schema.

Hypothesis prints an attrs instance field by field, so an ``AccountState`` would show the whole
attribute catalogue it is validated with (hundreds of lines) before the ledger that matters.
This module teaches Hypothesis's printer (the IPython pretty-printing protocol it vendors) to
print the fields an account is made of, in a form that reads back as Python. It only prints.
"""

from __future__ import annotations

from dunforce.state import AccountState

__all__ = ["pretty_state", "register"]

_FIELDS = ("account_id", "attributes", "ledger", "plans", "events", "history")


def pretty_state(state: AccountState, printer, cycle: bool) -> None:
    """Print ``state`` as ``AccountState(account_id=..., attributes={...}, ledger=(...), ...)``."""
    if cycle:
        printer.text("AccountState(...)")
        return
    with printer.group(1, "AccountState(", ")"):
        for index, field in enumerate(_FIELDS):
            if index:
                printer.text(",")
                printer.breakable()
            printer.text(f"{field}=")
            value = getattr(state, field)
            printer.pretty(dict(value) if field == "attributes" else value)


def register() -> bool:
    """Register :func:`pretty_state` with Hypothesis's printer; ``False`` when this version of
    Hypothesis has no such hook (it then prints accounts its own way, schema included)."""
    try:
        from hypothesis.vendor.pretty import for_type_by_name
    except ImportError:  # pragma: no cover - a Hypothesis without the vendored printer
        return False
    for_type_by_name(AccountState.__module__, AccountState.__name__, pretty_state)
    return True
