"""A portfolio read column by column: accounts numbered, money in cents, days as ordinals.

:class:`Columns` holds what the screen needs of every account, and the accounts it could not
vouch for (a cell it cannot read, a duplicate id, a ledger the screen does not model, such as a
payment naming a charge or a rejection naming a payment, or returning none): those are read and
stepped one by one by the exact path, which accepts them or rejects them with the reason.

A rejection that gives its amount returns the latest payment of that amount dated on or before
it that no earlier rejection returns (:mod:`dunforce.ledger`). The columns match each rejection
to the latest such payment on its own; where two rejections of an account would take the same
payment, or one finds none (it is then a charge), the account is left to the exact path. Where
every match is a payment of its own, the matching in date order takes the very same payments.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
import pandas as pd

from dunforce.attributes.schema import Schema
from dunforce.attributes.types import AttributeSpec, ValueType
from dunforce.batch import cells
from dunforce.errors import StateError
from dunforce.state import _attribute_value
from dunforce.tables import _ATTRIBUTE_PARSERS, Portfolio, _is_empty

CHARGE, PAYMENT, REJECTION, ADJUSTMENT = range(4)
_KINDS = {"charge": CHARGE, "payment": PAYMENT, "rejection": REJECTION, "adjustment": ADJUSTMENT}
_LEDGER_TEXT = ("id", "label", "method", "reason")  # and "period", read on its own
#: a payment naming a charge, a rejection naming a payment: allocations the screen leaves to the
#: exact path
_LEDGER_LINKS = ("settles", "payment")


@attrs.frozen(eq=False)
class Ledger:
    """The ledger rows of the accounts vouched for, sorted by account then day."""

    account: np.ndarray  # position in the tenants table (32 bits)
    kind: np.ndarray  # CHARGE, PAYMENT, ADJUSTMENT or REJECTION
    #: charges and credits ``>= 0``; a rejection ``< 0``: it takes back the payment it returns
    cents: np.ndarray
    day: np.ndarray  # ordinal (32 bits)
    period: np.ndarray  # a charge's period is set (the charge is rent)


@attrs.frozen(eq=False)
class Events:
    account: np.ndarray
    kind: np.ndarray  # codes into ``kinds``
    kinds: tuple[str, ...]
    day: np.ndarray


@attrs.frozen(eq=False)
class Columns:
    """What the screen reads, for the accounts of the tenants table."""

    ids: np.ndarray  # account ids, tenants order (object)
    #: accounts the columns vouch for: every cell reads, the ledger is one the screen models
    vouched: np.ndarray
    #: tenants rows whose id is a non-empty text on no other row
    single: np.ndarray
    ledger: Ledger
    events: Events
    #: history rows: account position and key, for the accounts vouched for
    history: tuple[np.ndarray, np.ndarray]
    #: per table other than tenants, the tenants position of each row's account (``-1``: an id
    #: not in the tenants table, on several of its rows, or empty)
    codes: dict[str, np.ndarray]
    #: accounts with a row in the plans table (their plan values are not judged over columns)
    planned: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids)


def read_columns(portfolio: Portfolio, schema: Schema, required: tuple[str, ...]) -> Columns:
    tenants = portfolio.tenants
    ids = tenants["account_id"].to_numpy(dtype=object)
    n = len(ids)
    vouched = _tenant_cells(tenants, schema, required)
    id_ok = np.array([isinstance(i, str) and bool(i) for i in ids], dtype=bool)
    # an id on several rows, or no id: left to the reader, with every row that names it
    single = id_ok & ~pd.Index(ids, dtype=object).duplicated(keep=False) if n else id_ok
    vouched &= single
    positions = np.flatnonzero(single)
    index = pd.Index(ids[single], dtype=object)  # no conversion to arrow strings per lookup
    table_codes: dict[str, np.ndarray] = {}

    def codes_of(name: str, frame: pd.DataFrame) -> np.ndarray:
        found = _codes(frame["account_id"], index, positions) if len(frame) else np.empty(0, int)
        table_codes[name] = found
        return found

    ledger = _ledger(portfolio.ledger, codes_of("ledger", portfolio.ledger), vouched)
    events = _events(portfolio.events, codes_of("events", portfolio.events), vouched, schema)
    planned = _plans(portfolio.plans, codes_of("plans", portfolio.plans), vouched)
    history = _history(portfolio.history, codes_of("history", portfolio.history), vouched)
    # the rows of the accounts vouched for; positions and days in 32 bits: the ledger is the
    # largest table held during the screen
    keep = _of_vouched(ledger.account, vouched)
    ledger = Ledger(
        *(
            getattr(ledger, f.name) if keep is None else getattr(ledger, f.name)[keep]
            for f in attrs.fields(Ledger)
        )
    )
    ledger = attrs.evolve(
        ledger, account=ledger.account.astype(np.int32), day=ledger.day.astype(np.int32)
    )
    keep = _of_vouched(events.account, vouched)
    if keep is not None:
        events = Events(events.account[keep], events.kind[keep], events.kinds, events.day[keep])
    return Columns(ids, vouched, single, ledger, events, history, table_codes, planned)


def _of_vouched(accounts: np.ndarray, vouched: np.ndarray) -> np.ndarray | None:
    """The rows of accounts vouched for; ``None`` when that is every row."""
    keep = vouched[accounts] & (accounts >= 0)
    return None if keep.all() else keep


def _codes(column: pd.Series, index: pd.Index, positions: np.ndarray) -> np.ndarray:
    codes = cells.account_codes(column, index).astype(np.int64, copy=False)
    if not len(positions):
        return np.full(len(codes), -1, dtype=np.int64)
    if positions[-1] == len(positions) - 1:
        return codes  # every tenants row has an id of its own: its position is its code
    return np.where(codes >= 0, positions[np.maximum(codes, 0)], -1).astype(np.int64)


def _fail(vouched: np.ndarray, codes: np.ndarray, bad: np.ndarray) -> None:
    """Leave the accounts of the bad rows (those of known accounts) to the exact path."""
    rows = codes[bad]
    vouched[rows[rows >= 0]] = False


# ------------------------------------------------------------------------------ tenants


def _tenant_cells(tenants: pd.DataFrame, schema: Schema, required: tuple[str, ...]) -> np.ndarray:
    """Rows whose every attribute cell the reader and the state accept, with the attributes the
    program must have all there."""
    n = len(tenants)
    vouched = np.ones(n, dtype=bool)
    for column in tenants.columns:
        if column == "account_id":
            continue
        spec = schema.get(column) if isinstance(column, str) else None
        values = tenants[column]
        if not isinstance(spec, AttributeSpec):
            vouched &= cells.empty(values)  # an unknown or derived column: any value is refused
            continue
        vouched &= _attribute_cells(values, spec, column)
    for name in required:
        if name not in tenants.columns:
            return np.zeros(n, dtype=bool)  # every account lacks it: the exact path says so
        vouched &= ~cells.empty(tenants[name])
    return vouched


def _attribute_cells(values: pd.Series, spec: AttributeSpec, column: str) -> np.ndarray:
    kind, dtype = spec.type, values.dtype
    if kind is ValueType.BOOL and dtype.kind == "b":
        return np.ones(len(values), dtype=bool)
    if kind in (ValueType.MONEY, ValueType.NUMBER) and dtype.kind == "f":
        x = values.to_numpy(dtype=np.float64)
        missing = np.isnan(x)
        if kind is ValueType.NUMBER:
            return missing | np.isfinite(x)
        with np.errstate(invalid="ignore", over="ignore"):
            exact = np.isfinite(x) & (np.abs(x) < 1e13) & (np.rint(x * 100) / 100 == x)
        return missing | exact
    if kind is ValueType.INT and dtype.kind in "iu":
        return np.ones(len(values), dtype=bool)
    if kind is ValueType.INT and dtype.kind == "f":
        x = values.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.isnan(x) | (np.isfinite(x) & (np.floor(x) == x))
    if kind is ValueType.DATE and dtype.kind == "M" and getattr(dtype, "tz", None) is None:
        raw = values.to_numpy()
        return np.isnat(raw) | (raw.astype("datetime64[D]") == raw)
    if kind is ValueType.TEXT and spec.allowed is None and cells.all_text(values):
        return np.ones(len(values), dtype=bool)  # names, e-mail addresses: as many as accounts
    parser = _ATTRIBUTE_PARSERS[kind]
    field = f"attributes.{column}"

    def judge(value: object) -> tuple[bool, None]:
        if _is_empty(value):
            return True, None
        try:
            _attribute_value(spec, parser(value, column), field)
        except (StateError, TypeError, ValueError, ArithmeticError):
            return False, None
        return True, None

    ok, _, _ = cells.per_value(values, judge, (True, None))
    return ok


# ------------------------------------------------------------------------------ other tables


def _ledger(frame: pd.DataFrame, codes: np.ndarray, vouched: np.ndarray) -> Ledger:
    if not len(frame):
        nothing = np.empty(0, np.int64)
        return Ledger(nothing, nothing, nothing, nothing, np.empty(0, bool))
    # the columns are taken out of the frame here: the second thread works on its own ones
    kinds, amounts, days = frame["kind"], frame["amount"], frame["date"]
    with ThreadPoolExecutor(max_workers=1) as helper:
        # numpy converts the amounts and days (typed columns: without the GIL) while the kinds
        # are hashed, on two cores
        converted = helper.submit(_amounts_and_days, amounts, days)
        kind_codes, uniques = cells.distinct(kinds)
        table = np.array(
            [_KINDS.get(u, -1) if isinstance(u, str) else -1 for u in uniques] + [-1],
            dtype=np.int8,
        )
        kind = table[kind_codes]
        del kind_codes
        (amount, amount_ok), (day, day_ok) = converted.result()
    del kinds, amounts, days
    bad = (kind < 0) | ~amount_ok | ~day_ok
    period = np.zeros(len(frame), dtype=bool)
    if "period" in frame.columns:
        ok, period = cells.filled_text(frame["period"])
        bad |= ~ok
    for column in _LEDGER_TEXT:
        ok = cells.optional_text(frame[column] if column in frame.columns else None)
        if ok is not None:
            bad |= ~ok
    for column in _LEDGER_LINKS:
        if column in frame.columns:
            bad |= ~cells.empty(frame[column])
    _fail(vouched, codes, bad)
    # by account then day: one stable sort of a combined key (an ordinal is below 2**22), which
    # on a ledger already in that order (an export usually is) only checks it
    key = (codes << 22) | day
    if len(key) > 1 and not (key[1:] >= key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key, codes, kind, amount = key[order], codes[order], kind[order], amount[order]
        day, period = day[order], period[order]
    _returned(codes, key, kind, amount, vouched)
    return Ledger(codes, kind, amount, day, period)


def _amounts_and_days(amounts: pd.Series, days: pd.Series):
    return cells.cents(amounts, "amount"), cells.ordinals(days, "date")


def _returned(
    account: np.ndarray, key: np.ndarray, kind: np.ndarray, cents: np.ndarray, vouched
) -> None:
    """Match each rejection (rows sorted by ``key``: account, then day, then table order) to the
    payment it returns, and make its amount that payment's, taken back (< 0); the accounts whose
    matches are not one payment each are left to the exact path."""
    rejection = np.flatnonzero((kind == REJECTION) & (account >= 0))
    if not len(rejection):
        return
    concerned = np.zeros(len(vouched), dtype=bool)
    concerned[account[rejection]] = True
    payments = np.flatnonzero((kind == PAYMENT) & (account >= 0) & concerned[account])
    # the payments of a rejection's account dated on or before it are the rows up to the last
    # row of its day (a payment later on the same day is one too)
    bound = np.searchsorted(key, key[rejection], side="right") - 1
    matched = pd.merge_asof(
        pd.DataFrame({"row": bound, "account": account[rejection], "cents": cents[rejection]}),
        pd.DataFrame(
            {
                "row": payments,
                "account": account[payments],
                "cents": cents[payments],
                "payment": payments,
            }
        ),
        on="row",
        by=["account", "cents"],
        direction="backward",
    )["payment"]
    payment = matched.fillna(-1).to_numpy(dtype=np.int64)
    unmatched = payment < 0
    shared = pd.Series(payment).duplicated(keep=False).to_numpy() & ~unmatched
    vouched[account[rejection[unmatched | shared]]] = False
    cents[rejection] = -cents[rejection]


def _events(frame: pd.DataFrame, codes: np.ndarray, vouched: np.ndarray, schema: Schema) -> Events:
    if not len(frame):
        nothing = np.empty(0, np.int64)
        return Events(nothing, nothing, (), nothing)
    allowed = frozenset(schema.events) if schema.events else None
    kind, kind_ok, uniques = cells.texts(frame["kind"], allowed)
    day, day_ok = cells.ordinals(frame["date"], "date")
    bad = ~kind_ok | ~day_ok
    note = cells.optional_text(frame["note"] if "note" in frame.columns else None)
    if note is not None:
        bad |= ~note
    _fail(vouched, codes, bad)
    kinds = tuple(u if isinstance(u, str) else "" for u in uniques)
    return Events(codes, kind, kinds, day)


def _plans(frame: pd.DataFrame, codes: np.ndarray, vouched: np.ndarray) -> np.ndarray:
    """The accounts with a plan; those with a row the reader would refuse are not vouched."""
    planned = np.zeros(len(vouched), dtype=bool)
    if not len(frame):
        return planned
    planned[codes[codes >= 0]] = True
    signed, signed_ok = cells.ordinals(frame["signed_on"], "signed_on")
    _, due_ok = cells.ordinals(frame["due"], "due")
    _, amount_ok = cells.cents(frame["amount"], "amount")
    bad = ~signed_ok | ~due_ok | ~amount_ok | ~cells.optional_text(frame["plan_id"])
    cancelled = np.full(len(frame), -1, dtype=np.int64)
    if "cancelled_on" in frame.columns:
        none = cells.empty(frame["cancelled_on"])
        days, days_ok = cells.ordinals(frame["cancelled_on"], "cancelled_on")
        bad |= ~(none | days_ok)
        cancelled = np.where(none, -1, days)
    # the rows of a plan (an account and a plan id, or none) repeat its signed_on and
    # cancelled_on: where they differ, the reader refuses the account
    plan, _ = cells.distinct(frame["plan_id"])
    plan = np.where(cells.empty(frame["plan_id"]), -1, plan)
    rows = pd.DataFrame({"account": codes, "plan": plan, "signed": signed, "cancelled": cancelled})
    spread = rows.groupby(["account", "plan"], sort=False)[["signed", "cancelled"]].nunique()
    differ = spread.index.get_level_values("account")[(spread > 1).any(axis=1).to_numpy()]
    bad |= np.isin(codes, np.asarray(differ, dtype=np.int64))
    _fail(vouched, codes, bad)
    return planned


def _history(frame: pd.DataFrame, codes: np.ndarray, vouched: np.ndarray):
    if not len(frame):
        return np.empty(0, np.int64), np.empty(0, dtype=object)
    from dunforce.state import OUTCOMES

    _, key_ok, _ = cells.texts(frame["key"])
    _, day_ok = cells.ordinals(frame["emitted_on"], "emitted_on")
    bad = ~key_ok | ~day_ok
    channel = cells.optional_text(frame["channel"] if "channel" in frame.columns else None)
    if channel is not None:
        bad |= ~channel
    if "outcome" in frame.columns:
        outcome = frame["outcome"]
        judged, _, _ = cells.per_value(
            outcome, lambda v: (_is_empty(v) or v in OUTCOMES, None), (True, None)
        )
        bad |= ~judged
    _fail(vouched, codes, bad)
    return codes, frame["key"].to_numpy(dtype=object)


__all__ = [
    "ADJUSTMENT",
    "CHARGE",
    "PAYMENT",
    "REJECTION",
    "Columns",
    "Events",
    "Ledger",
    "read_columns",
]
