"""A compiled scenario file: the step function and what explains it.

``dunforce.compile(text)`` and ``dunforce.load(path)`` return a :class:`Program`. Its ``step`` is
pure: no clock, no I/O, no randomness, no mutation; the same state and day always give the same
actions in the same order.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import attrs

from dunforce.attributes.catalogue import HOUSING_SCHEMA
from dunforce.attributes.schema import Schema
from dunforce.attributes.types import ValueType
from dunforce.batch import RunResult, run
from dunforce.channels.registry import DEFAULT_CHANNELS, ChannelRegistry
from dunforce.dsl import check, check_file
from dunforce.dsl.checker import CheckedModule
from dunforce.dsl.source import MAX_SOURCE_BYTES
from dunforce.engine.explain import Explanation
from dunforce.engine.plan import DEFAULT_CATCH_UP_DAYS, CompiledProgram, build
from dunforce.engine.walk import Days, evaluation_error, walk
from dunforce.errors import Diagnostic, DslError, StateError
from dunforce.ledger import LedgerWalk, analyse, derived_attributes
from dunforce.state import AccountState, Action
from dunforce.templates import Message, TemplateSet, schema_variables, template_uses
from dunforce.values import to_date, to_money, to_runtime

_MISSING = object()
#: the types whose runtime form differs from the public one (cents, ordinals, fractions)
_CONVERTED = frozenset({ValueType.MONEY, ValueType.DATE, ValueType.NUMBER})


def _as_date(value: object, name: str) -> datetime.date:
    try:
        return to_date(value, name)
    except StateError as exc:
        raise TypeError(exc.message) from None


@attrs.frozen(eq=False)
class Program:
    """The compiled form of a scenario file."""

    checked: CheckedModule = attrs.field(repr=False)
    compiled: CompiledProgram = attrs.field(repr=False)
    catch_up_days: int
    case_threshold: Decimal
    #: the message templates the steps name, checked against the file (``None``: not given)
    templates: TemplateSet | None = attrs.field(default=None, repr=False)
    template_warnings: tuple[Diagnostic, ...] = attrs.field(default=(), repr=False)
    #: whether the contact policy applies (``compile(..., contact_policy=False)`` turns it off)
    contact_policy: bool = attrs.field(default=True, kw_only=True)
    _threshold: int = attrs.field(init=False, repr=False)  # in cents
    #: the attributes the program reads, and those whose runtime form is not the public one
    _reads: tuple[tuple[str, ValueType, bool], ...] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_threshold", int(self.case_threshold * 100))
        schema = self.checked.schema
        reads = tuple(
            (name, schema[name].type, schema[name].type in _CONVERTED)
            for name in self.compiled.attribute_names
        )
        object.__setattr__(self, "_reads", reads)

    # ----- what the file says
    @property
    def filename(self) -> str:
        return self.checked.filename

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profile names, in file order."""
        return self.checked.profiles

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """The lints of the file and of its templates, each with file, line, column, message."""
        return self.checked.warnings + self.template_warnings

    @property
    def schema(self) -> Schema:
        """The schema accounts are validated with: the catalogue and the file's attributes."""
        return self.checked.schema

    @property
    def channels(self) -> ChannelRegistry:
        return self.checked.channels

    # ----- stepping
    def _check_required(self, state: AccountState) -> None:
        attributes = state.attributes
        for name in self.compiled.required:
            if name not in attributes:
                raise StateError(
                    f"attributes.{name}: missing, and the scenarios of {self.filename} read it",
                    field=f"attributes.{name}",
                    value=None,
                    account_id=state.account_id,
                )

    def _attributes(self, state: AccountState) -> dict[str, object]:
        if not isinstance(state, AccountState):
            raise TypeError(f"state must be an AccountState, not {type(state).__name__}")
        compiled = self.compiled
        attributes = state.attributes
        values: dict[str, object] = {}
        for name, kind, converted in self._reads:
            value = attributes.get(name, _MISSING)
            if value is _MISSING:
                if name in compiled.defaults:
                    values[name] = compiled.defaults[name]
                    continue
                if name in compiled.required:
                    raise StateError(
                        f"attributes.{name}: missing, and the scenarios of {self.filename} read it",
                        field=f"attributes.{name}",
                        value=None,
                        account_id=state.account_id,
                    )
                value = None
            values[name] = to_runtime(value, kind) if converted else value
        return values

    def _days(self, state: AccountState, on: datetime.date, analysis=None):
        """The account's values day by day; today's are computed only when a step needs them
        (most accounts have no step due on most days)."""
        threshold = self._threshold
        names = self.compiled.derived_names
        attributes: dict[str, object] | None = None
        # the walk of the ledger for the past days asked: they come in date order (a stop
        # checked on the earlier steps' days), so one walk goes on from one to the next, as
        # ``analyse`` would give each afresh
        walk: LedgerWalk | None = None

        def values_on(day: datetime.date, known=None):
            nonlocal attributes, walk
            if attributes is None:
                attributes = self._attributes(state)
            found = known
            if found is None:
                ordinal = day.toordinal()
                if walk is None or not walk.reaches(ordinal):
                    walk = LedgerWalk(state.ledger, threshold, ordinal)
                found = walk.at(state, ordinal, names)
            values = dict(attributes)
            values.update(found.values)
            return values, found

        if analysis is None:
            analysis = analyse(state, on, threshold=threshold, names=names)
        calendar = self.compiled.calendar
        subdivision = calendar.subdivision(state.attributes.get("departement"))
        days = Days(
            self.compiled,
            on.toordinal(),
            lambda: values_on(on, analysis)[0],
            lambda ordinal: values_on(datetime.date.fromordinal(ordinal))[0],
            lambda ordinal: calendar.is_business_day(ordinal, subdivision),
        )
        return days, analysis

    def step(self, state: AccountState, date: datetime.date | str) -> tuple[Action, ...]:
        """The actions due for ``state`` on ``date``, in order (scheduled day, file order).

        Pure: no clock, no I/O, no mutation. An action whose key is in the history is never
        returned, so ``step(state.record(actions), date) == ()``.
        """
        on = date if type(date) is datetime.date else _as_date(date, "date")
        return self._step(state, on)

    def _step(
        self, state: AccountState, on: datetime.date, analysis=None, days=None, occurrences=None
    ):
        """``step``, given what a caller already knows of the same state: its analysis on
        ``on``, the :class:`~dunforce.engine.walk.Days` of its values (a simulation keeps
        them across the days the account does not change), and the occurrences
        ``(block, step, anchor, k, day)`` that may go out today when it knows no other one
        can (a simulation's agenda): only those are judged."""
        compiled = self.compiled
        try:
            if analysis is None:
                analysis = analyse(
                    state, on, threshold=self._threshold, names=compiled.derived_names
                )
            if analysis.case is None and not compiled.has_other_anchors:
                # only post-due steps, and nothing is overdue: nothing can fire; the required
                # attributes are still checked, so that an account fails the same on every day
                if compiled.required:
                    self._check_required(state)
                return ()
            if compiled.required:
                self._check_required(state)
            if days is None:
                days = lambda: self._days(state, on, analysis)[0]  # noqa: E731
            _, actions = walk(compiled, state, on, days, analysis, occurrences=occurrences)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise evaluation_error(exc, self.filename, state.account_id) from None
        return actions

    def profile_of(self, state: AccountState, date: datetime.date | str) -> str | None:
        """The account's profile on ``date`` (the first that holds), or ``None``."""
        on = _as_date(date, "date")
        try:
            days, _ = self._days(state, on)
            return days.at(on.toordinal())[1]
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise evaluation_error(exc, self.filename, state.account_id) from None

    def explain(self, state: AccountState, date: datetime.date | str) -> Explanation:
        """For every step of the account's scenarios: fired, waiting, done, skipped (and why),
        paused, stopped or missed."""
        on = _as_date(date, "date")
        try:
            days, analysis = self._days(state, on)
            statuses: list = []
            profile, actions = walk(self.compiled, state, on, days, analysis, statuses=statuses)
            return Explanation.build(self, state, on, profile, days, analysis, statuses, actions)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise evaluation_error(exc, self.filename, state.account_id) from None

    def run(
        self, accounts, date: datetime.date | str, *, method: str = "auto", workers: int = 1
    ) -> RunResult:
        """Step many accounts: an iterable of ``AccountState`` or a :class:`Portfolio`.

        Returns a :class:`RunResult`: ``actions`` (one row per action, typed columns; each
        account's actions in ``step``'s order, accounts in the order given) and ``rejected``
        (account_id, reason, field, value, source, row). An account with bad data, or one the
        program refuses, is rejected with its reason and never stops the others: the accounts
        read always equal those stepped plus those rejected.

        A portfolio is run on the vectorised path (``method="auto"``): the whole portfolio is
        checked and derived over columns, and only the accounts that may have something due
        are stepped one by one. It gives exactly the actions and rejections of
        ``method="per_account"``, which reads and steps every account.

        ``workers`` processes share the accounts the vectorised path steps one by one (where
        the system can fork; elsewhere, and on the other paths, one process does it all): the
        result is the same, in the same order, whatever their number.
        """
        on = _as_date(date, "date")
        return run(self, accounts, on, method=method, workers=workers)

    def _repr_html_(self) -> str:
        from dunforce.notebook import program_html

        return program_html(self)

    # ----- messages
    def render(self, action: Action, state: AccountState) -> Message:
        """The message of ``action``, rendered in the templates' sandbox from the account's
        attributes and derived values on the day it is emitted. Pure, like ``step``."""
        if self.templates is None:
            raise ValueError("this program has no templates: compile it with templates=")
        if action.template is None:
            raise ValueError(f"action {action.key} names no template")
        schema = self.checked.schema
        values: dict[str, object] = {}
        for spec in schema.attributes:
            values[spec.name] = state.attributes.get(spec.name, spec.default)
        values.update(derived_attributes(state, action.emitted_on, threshold=self.case_threshold))
        values.update(
            account_id=state.account_id,
            today=action.emitted_on,
            scheduled_for=action.scheduled_for,
        )
        return self.templates.render(action.template, action.channel, values)

    def __reduce__(self):
        """A program travels (to Dask workers, say) as its source and options, and is compiled
        again where it lands; its templates stay behind (render messages where the run ends)."""
        checked = self.checked
        return _rebuilt, (
            checked.source.text,
            checked.filename,
            checked.schema,
            checked.channels,
            self.catch_up_days,
            self.case_threshold,
            self.contact_policy,
        )

    def __repr__(self) -> str:
        return (
            f"<Program {self.filename}: {len(self.profiles)} profiles, "
            f"{len(self.compiled.blocks)} blocks, {len(self.warnings)} warnings>"
        )


def _program(
    checked: CheckedModule,
    *,
    catch_up_days: int,
    case_threshold: object,
    contact_policy: bool = True,
    templates: TemplateSet | str | os.PathLike[str] | None = None,
) -> Program:
    if isinstance(catch_up_days, bool) or not isinstance(catch_up_days, int) or catch_up_days < 0:
        raise TypeError(f"catch_up_days must be a whole number of days >= 0, not {catch_up_days!r}")
    try:
        threshold = to_money(case_threshold, "case_threshold")
    except StateError as exc:
        raise TypeError(exc.message) from None
    template_set, template_warnings = _checked_templates(checked, templates)
    compiled = build(
        checked,
        channels=checked.channels,
        catch_up_days=catch_up_days,
        contact_policy=bool(contact_policy),
    )
    return Program(
        checked,
        compiled,
        catch_up_days,
        threshold,
        template_set,
        template_warnings,
        contact_policy=bool(contact_policy),
    )


def _rebuilt(text, filename, schema, channels, catch_up_days, case_threshold, contact_policy):
    return compile(
        text,
        filename=filename,
        schema=schema,
        channels=channels,
        catch_up_days=catch_up_days,
        case_threshold=case_threshold,
        contact_policy=contact_policy,
        max_bytes=max(MAX_SOURCE_BYTES, len(text.encode("utf-8"))),
    )


def _checked_templates(checked: CheckedModule, templates):
    """The template set, checked against the steps that name templates: its errors are the
    file's errors, its warnings (an SMS longer than a segment) are kept."""
    if templates is None:
        return None, ()
    if not isinstance(templates, TemplateSet):
        if not isinstance(templates, str | os.PathLike):
            raise TypeError(
                f"templates must be a TemplateSet or a directory, not {type(templates).__name__}"
            )
        templates = TemplateSet.from_directory(templates)
    found = templates.check(
        template_uses(checked),
        schema_variables(checked.schema),
        sms_channels=frozenset({"sms"}),
    )
    errors = [d for d in found if d.severity == "error"]
    if errors:
        raise DslError(errors)
    return templates, tuple(d for d in found if d.severity != "error")


def compile(
    text: str | bytes,
    *,
    filename: str = "<string>",
    schema: Schema = HOUSING_SCHEMA,
    channels: ChannelRegistry = DEFAULT_CHANNELS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
    case_threshold: Decimal | int | str = 0,
    max_bytes: int = MAX_SOURCE_BYTES,
    contact_policy: bool = True,
    templates: TemplateSet | str | os.PathLike[str] | None = None,
) -> Program:
    """Compile scenario text to a :class:`Program`; raises ``DslError`` listing every error.

    ``templates`` (a :class:`~dunforce.templates.TemplateSet` or a directory of template
    files) are checked against the steps that name them, and render the actions' messages
    (:meth:`Program.render`).

    ``contact_policy=False`` turns the contact policy off (windows, holidays, caps, default
    pauses, legal guards, contact data): for a caller that applies its own rules, and for tests
    of the scenarios alone. Legal steps still require approval.

    >>> program = compile("profile late: in_case\\nprofile other: otherwise\\n"
    ...                   "scenario remind for late:\\n    sms at D+2\\n")
    >>> program.profiles
    ('late', 'other')
    """
    checked = check(text, filename=filename, schema=schema, channels=channels, max_bytes=max_bytes)
    return _program(
        checked,
        catch_up_days=catch_up_days,
        case_threshold=case_threshold,
        contact_policy=contact_policy,
        templates=templates,
    )


def load(
    path: str | os.PathLike[str],
    *,
    schema: Schema = HOUSING_SCHEMA,
    channels: ChannelRegistry = DEFAULT_CHANNELS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
    case_threshold: Decimal | int | str = 0,
    max_bytes: int = MAX_SOURCE_BYTES,
    contact_policy: bool = True,
    templates: TemplateSet | str | os.PathLike[str] | None = None,
) -> Program:
    """Read and compile a scenario file."""
    checked = check_file(path, schema=schema, channels=channels, max_bytes=max_bytes)
    return _program(
        checked,
        catch_up_days=catch_up_days,
        case_threshold=case_threshold,
        contact_policy=contact_policy,
        templates=templates,
    )


__all__ = ["Program", "compile", "load"]
