"""Program.step against hand-written step functions, on the same generated account states.

Run: python benchmarks/step.py [--accounts 10000] [--repeat 5]

Two comparisons, each against a baseline timed in the same run:

* with the contact policy: the scenarios below under the default policy, against what an
  integrator would write by hand for them: the same ledger analysis (``dunforce.ledger.analyse``)
  and public holidays (``dunforce.calendar``), library calls both sides make, then the profiles,
  steps and policy as plain Python ``if``s (reachability and the ``else`` fallback, the
  prescription guard, windows and holidays moving a step to the next allowed day, the catch-up
  window counted from that day, the caps over the history and what is admitted today, the pauses
  on the scheduled day and on the day a caught-up step goes out, the windows of the day in the
  tenant's zone, the same notes and reasons);
* like for like: the same scenarios with a relaxed policy appended (every window every day with
  holidays, no caps, no pauses), against the old hand-written function without a policy. What no
  policy block turns off stays on both sides: a channel needs its contact data and no opt-out
  (hence the fallback), the prescription guard, the kind and approval of a legal step, and the
  day's window on every action.

Both functions of a pair must return the same actions, reasons included, for every state —
checked before anything is timed — and each ratio is the compiled program's throughput over its
baseline's (target: at least 0.8).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time
from bisect import bisect_right
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

import dunforce
from dunforce import AccountState, Action, Charge, Payment, Rejection
from dunforce.calendar import FRANCE, subdivision, time_zone
from dunforce.ledger import analyse
from dunforce.state import Issued, Plan

SCENARIOS = """\
profile fragile:  apl and income is set and income < 1200 €
profile chronic:  late_episodes_12m >= 3
profile standard: otherwise

scenario gentle for fragile, standard:
    sms "relance_1" else letter "relance_courrier" at D+2
    call at D+10 if debt >= 50 €
    letter "mise_en_demeure" registered at D+30 if debt_months >= 1

scenario firm for chronic:
    sms "relance_ferme" at D+1
    call at D+5 if debt >= 100 €
"""
RELAXED = (
    SCENARIOS
    + """
policy:
    window sms, email, letter, call, visit, plan, caf, bailiff, task: mon-sun and holidays
    no cap call
    no cap automatic
    no pause while dispute
    no pause while over_indebtedness
    no pause while plan_active and not plan_broken
"""
)
#: the derived attributes read: the scenarios', the default pauses' and the prescription guard's
NAMES = frozenset(
    {
        "late_episodes_12m",
        "debt",
        "debt_months",
        "plan_active",
        "plan_broken",
        "recoverable_debt",
        "prescribed_debt",
    }
)
SIMPLE_NAMES = frozenset(
    {"late_episodes_12m", "debt", "debt_months", "recoverable_debt", "prescribed_debt"}
)
PROFILE_TEXTS = {
    "fragile": "apl and income is set and income < 1200 €",
    "chronic": "late_episodes_12m >= 3",
    "standard": "otherwise",
}
WINDOW = 3  # catch-up days, counted from the day the policy allows
#: how far back the library looks for a step: the catch-up window, 7 days of calendar slack and
#: twice the longest cap; a step scheduled earlier is missed whatever the policy did
LOOKBACK = WINDOW + 7 + 2 * 30

# the default policy, written out by hand: per channel the weekdays (0 is Monday) and hours (in
# minutes) of its window, the contact data it needs and its opt-out, and the caps counting it
CHANNELS = {
    "sms": (frozenset(range(6)), ((480, 1200),), "phone_mobile", "sms_opt_out"),
    "letter": (frozenset(range(6)), (), None, None),
    "call": (frozenset(range(5)), ((600, 780), (840, 1200)), "phone_mobile", "call_opt_out"),
}
#: the channels the caller sends, counted by the automatic cap (by channel: a registered letter too)
AUTOMATIC = frozenset({"sms", "email", "letter"})
CALL_CAPS = (("call", 4, 30, "cap call: 4 per 30 days"), ("call", 1, 1, "cap call: 1 per day"))
AUTOMATIC_CAP = ("automatic", 1, 1, "cap automatic: 1 per day")
CAPS = {"sms": (AUTOMATIC_CAP,), "letter": (AUTOMATIC_CAP,), "call": CALL_CAPS}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WHOLE_DAY = ((0, 24 * 60),)

# the steps of the file, written out by hand: (scenario, profiles, actions, offset, condition,
# line, text); an action is (channel, template, options, kind, legal), a legal one being a task
# that needs approval, under the prescription guard; the text is the step as written
STEPS = (
    (
        "gentle",
        ("fragile", "standard"),
        (
            ("sms", "relance_1", (), "automatic", False),
            ("letter", "relance_courrier", (), "automatic", False),
        ),
        2,
        None,
        6,
        'sms "relance_1" else letter "relance_courrier" at D+2',
    ),
    (
        "gentle",
        ("fragile", "standard"),
        (("call", None, (), "task", False),),
        10,
        lambda v: v["debt"] >= 5000,
        7,
        "call at D+10 if debt >= 50 €",
    ),
    (
        "gentle",
        ("fragile", "standard"),
        (("letter", "mise_en_demeure", ("registered",), "task", True),),
        30,
        lambda v: v["debt_months"] >= 1,
        8,
        'letter "mise_en_demeure" registered at D+30 if debt_months >= 1',
    ),
    (
        "firm",
        ("chronic",),
        (("sms", "relance_ferme", (), "automatic", False),),
        1,
        None,
        11,
        'sms "relance_ferme" at D+1',
    ),
    (
        "firm",
        ("chronic",),
        (("call", None, (), "task", False),),
        5,
        lambda v: v["debt"] >= 10000,
        12,
        "call at D+5 if debt >= 100 €",
    ),
)

_zones: dict[str, ZoneInfo] = {}


def day_windows(hours, on: datetime.date, departement: str | None) -> tuple:
    """The (start, end) of each range of ``hours`` on ``on``, aware, in the tenant's zone."""
    name = time_zone(departement)
    zone = _zones.get(name)
    if zone is None:
        zone = _zones[name] = ZoneInfo(name)
    result = []
    for start, end in hours:
        begin = datetime.datetime(on.year, on.month, on.day, start // 60, start % 60, tzinfo=zone)
        if end == 24 * 60:
            following = on + datetime.timedelta(days=1)
            finish = datetime.datetime(following.year, following.month, following.day, tzinfo=zone)
        else:
            finish = datetime.datetime(on.year, on.month, on.day, end // 60, end % 60, tzinfo=zone)
        result.append((begin, finish))
    return tuple(result)


def reachable(actions, attributes) -> tuple[tuple | None, str]:
    """The first action whose channel reaches the tenant, and why the ones before it do not."""
    reasons = []
    for action in actions:
        channel = action[0]
        _, _, needs, opt_out = CHANNELS[channel]
        if needs is not None and attributes.get(needs) in (None, ""):
            reasons.append(f"{channel}: {needs} not set")
        elif opt_out is not None and attributes.get(opt_out) is True:
            reasons.append(f"{channel}: the tenant opted out ({opt_out})")
        else:
            return action, "; ".join(reasons)
    return None, "; ".join(reasons)


def sent_days(state: AccountState, today: int) -> dict[str, list[int]]:
    """Per cap target (a channel, ``automatic``), the sorted days of the history up to today."""
    days: dict[str, list[int]] = {}
    for issued in state.history:
        day = issued.emitted_on.toordinal()
        if day > today:
            continue
        channel = issued.channel or issued.key.partition("/")[2].split(":", 1)[0]
        days.setdefault(channel, []).append(day)
        if channel in AUTOMATIC:
            days.setdefault("automatic", []).append(day)
    for values in days.values():
        values.sort()
    return days


def in_cap(sent: dict[str, list[int]], target: str, days: int, day: int) -> list[int]:
    """The days of the history that count for a cap of ``days`` days on ``day``."""
    times = sent.get(target, ())
    return times[bisect_right(times, day - days) : bisect_right(times, day)]


def next_allowed(channel: str, start: int, subdiv, sent) -> tuple[int, list[str]]:
    """The first day from ``start`` the window, the holidays and the caps allow, and why."""
    weekdays = CHANNELS[channel][0]
    day = start
    moves: list[str] = []
    while True:
        weekday = (day - 1) % 7  # ordinal 1 is a Monday
        if weekday not in weekdays:
            why = f"{datetime.date.fromordinal(day)} is a {DAY_NAMES[weekday]}, outside "
            moves.append(f"{why}{channel}'s window")
            day += 1
            continue
        holiday = FRANCE.holiday(day, subdiv)
        if holiday is not None:
            moves.append(f"{datetime.date.fromordinal(day)} is a public holiday ({holiday})")
            day += 1
            continue
        for target, limit, days, text in CAPS[channel]:
            times = in_cap(sent, target, days, day)
            if len(times) >= limit:
                day = times[len(times) - limit] + days  # when the oldest that fills it leaves
                moves.append(f"{text} reached")
                break
        else:
            return day, list(dict.fromkeys(moves))


def paused(values, attributes) -> bool:
    """The default pauses: a dispute, an over-indebtedness file, a plan being respected."""
    return (
        attributes.get("dispute", False)
        or attributes.get("over_indebtedness", False)
        or (values["plan_active"] and not values["plan_broken"])
    )


def hand_written_step(state: AccountState, on: datetime.date) -> tuple[Action, ...]:
    """The scenarios and the default contact policy, by hand."""
    today = on.toordinal()
    analysis = analyse(state, on, names=NAMES)
    case = analysis.case
    if case is None:
        return ()
    attributes = state.attributes
    fragile = attributes.get("apl", False) and (
        attributes.get("income") is not None and attributes["income"] < 1200
    )

    def profile(values) -> str:
        if fragile:
            return "fragile"
        if values["late_episodes_12m"] >= 3:
            return "chronic"
        return "standard"

    anchor = case.anchor.toordinal()
    opened = case.opened.toordinal()
    anchor_text = case.anchor.isoformat()
    keys = state.issued_keys
    departement = attributes.get("departement")
    subdiv = subdivision(departement)
    sent = None
    now = analysis.values
    earlier: dict[int, dict] = {today: now}
    found = []
    for index, (scenario, profiles, actions, offset, condition, line, text) in enumerate(STEPS):
        day = anchor + offset
        if day > today or day + LOOKBACK < today or day < opened:
            continue
        key = f"{scenario}/{actions[0][0]}:{actions[0][1] or ''}:D+{offset}@{anchor_text}"
        if key in keys:
            continue
        chosen, unreachable = reachable(actions, attributes)
        if chosen is None:
            continue  # blocked: no channel reaches the tenant
        channel, template, options, kind, legal = chosen
        if legal and now["recoverable_debt"] <= 0 and now["prescribed_debt"]:
            continue  # blocked: the whole debt is prescribed
        if sent is None:
            sent = sent_days(state, today)
        first, moves = next_allowed(channel, day, subdiv, sent)
        if first > today or today > first + WINDOW:
            continue  # deferred, or missed
        if (today - 1) % 7 not in CHANNELS[channel][0] or FRANCE.is_holiday(today, subdiv):
            continue  # caught up on a day its channel may not act: it waits for the next one
        values = earlier.get(day)
        if values is None:
            values = earlier[day] = analyse(
                state, datetime.date.fromordinal(day), names=NAMES
            ).values
        who = profile(values)
        if who not in profiles or paused(values, attributes):
            continue
        if condition is not None and not condition(values):
            continue
        if day != today and paused(now, attributes):
            continue  # caught up: a pause holds on the day it would go out
        note = f"{channel} instead of {unreachable}" if chosen is not actions[0] else ""
        if moves:
            moved = f"moved from {datetime.date.fromordinal(day)}: {'; '.join(moves)}"
            note = f"{note}; {moved}" if note else moved
        found.append((day, index, key, scenario, who, chosen, note, line, text))
    found.sort(key=lambda item: item[:3])
    result = []
    admitted: dict[str, int] = {}
    for day, _, key, scenario, who, chosen, note, line, text in found:
        channel, template, options, kind, legal = chosen
        caps = CAPS[channel]
        if any(
            len(in_cap(sent, target, days, today)) + admitted.get(target, 0) >= limit
            for target, limit, days, _ in caps
        ):
            continue  # deferred: today's room under a cap went to an earlier step
        admitted[channel] = admitted.get(channel, 0) + 1
        if channel in AUTOMATIC:
            admitted["automatic"] = admitted.get("automatic", 0) + 1
        reason = (
            f"profile {who} ({PROFILE_TEXTS[who]}); scenario {scenario}, line {line}: {text} "
            f"(D = {anchor_text})"
        )
        result.append(
            Action(
                state.account_id,
                key,
                channel,
                template,
                options,
                datetime.date.fromordinal(day),
                on,
                scenario,
                who,
                kind,
                reason,
                line=line,
                requires_approval=legal,
                windows=day_windows(CHANNELS[channel][1] or WHOLE_DAY, on, departement),
                policy_note=note,
            )
        )
    return tuple(result)


def simple_step(state: AccountState, on: datetime.date) -> tuple[Action, ...]:
    """The old hand-written function: the scenarios without a contact policy."""
    today = on.toordinal()
    analysis = analyse(state, on, names=SIMPLE_NAMES)
    case = analysis.case
    if case is None:
        return ()
    attributes = state.attributes
    fragile = attributes.get("apl", False) and (
        attributes.get("income") is not None and attributes["income"] < 1200
    )

    def profile(values) -> str:
        if fragile:
            return "fragile"
        if values["late_episodes_12m"] >= 3:
            return "chronic"
        return "standard"

    anchor = case.anchor.toordinal()
    opened = case.opened.toordinal()
    anchor_text = case.anchor.isoformat()
    keys = state.issued_keys
    departement = attributes.get("departement")
    earlier: dict[int, dict] = {today: analysis.values}
    found = []
    for index, (scenario, profiles, actions, offset, condition, line, text) in enumerate(STEPS):
        day = anchor + offset
        if day > today or day + WINDOW < today or day < opened:
            continue
        key = f"{scenario}/{actions[0][0]}:{actions[0][1] or ''}:D+{offset}@{anchor_text}"
        if key in keys:
            continue
        values = earlier.get(day)
        if values is None:
            values = earlier[day] = analyse(
                state, datetime.date.fromordinal(day), names=SIMPLE_NAMES
            ).values
        who = profile(values)
        if who not in profiles or (condition is not None and not condition(values)):
            continue
        chosen, unreachable = reachable(actions, attributes)
        if chosen is None:
            continue
        now = analysis.values
        if chosen[4] and now["recoverable_debt"] <= 0 and now["prescribed_debt"]:
            continue
        note = f"{chosen[0]} instead of {unreachable}" if chosen is not actions[0] else ""
        reason = (
            f"profile {who} ({PROFILE_TEXTS[who]}); scenario {scenario}, line {line}: {text} "
            f"(D = {anchor_text})"
        )
        channel, template, options, kind, legal = chosen
        action = Action(
            state.account_id,
            key,
            channel,
            template,
            options,
            datetime.date.fromordinal(day),
            on,
            scenario,
            who,
            kind,
            reason,
            line=line,
            requires_approval=legal,
            windows=day_windows(WHOLE_DAY, on, departement),
            policy_note=note,
        )
        found.append((day, index, key, action))
    found.sort(key=lambda item: item[:3])
    return tuple(item[3] for item in found)


# ------------------------------------------------------------------------------ the accounts

DEPARTEMENTS = ("75", "69", "13", "33", "59", "57", "974")
DEPARTEMENT_WEIGHTS = (25, 12, 12, 10, 10, 16, 15)
#: other campaigns of the landlord, whose actions fill the history and count for the caps
OTHER_STEPS = (
    ("avis", "sms", "avis_echeance", "D-3"),
    ("avis", "email", "avis_echeance", "D-3"),
    ("agence", "call", "", "D+20"),
    ("agence", "call", "", "D+35"),
)


def _history(rng: random.Random, state: AccountState, day: datetime.date) -> list[Issued]:
    """What earlier runs issued: most of the account's own steps in its open case, with their
    outcomes, and the other campaigns' messages and calls of the last weeks."""
    history = []
    attributes = state.attributes
    today = day.toordinal()
    analysis = analyse(state, day, names=NAMES)
    case = analysis.case
    if case is not None:
        fragile = attributes.get("apl") and (attributes.get("income") or 10**9) < 1200
        chronic = not fragile and analysis.values["late_episodes_12m"] >= 3
        anchor = case.anchor.toordinal()
        for scenario, profiles, actions, offset, _, _, _ in STEPS:
            if ("chronic" in profiles) != chronic:
                continue
            issued = anchor + offset + rng.choice((0, 0, 0, 1, 2))  # sometimes moved or late
            if issued >= today or rng.random() < 0.2:  # not yet, or a run was missed
                continue
            chosen, _ = reachable(actions, attributes)
            if chosen is None:
                continue
            channel = chosen[0]
            key = f"{scenario}/{actions[0][0]}:{actions[0][1] or ''}:D+{offset}@{case.anchor}"
            outcome = rng.choice(("reached", "not_reached", "promise_to_pay", None))
            if channel != "call":
                outcome = rng.choice(("delivered", "delivered", "failed", None))
            # rows written before the channel was recorded: the key tells it
            recorded = None if rng.random() < 0.05 else channel
            history.append(Issued(key, datetime.date.fromordinal(issued), recorded, outcome))
    for _ in range(rng.choice((0, 0, 0, 1, 2, 3, 5))):
        scenario, channel, template, offset = rng.choice(OTHER_STEPS)
        if channel == "email":
            if not attributes.get("email_address") or attributes.get("email_opt_out"):
                continue
        elif reachable(((channel,),), attributes)[0] is None:
            continue
        ago = rng.choice((0, 1, 2, 3)) if channel != "call" else rng.randint(0, 40)
        issued = datetime.date.fromordinal(today - ago)
        shift = int(offset[1:])
        anchor = issued - datetime.timedelta(days=shift)
        key = f"{scenario}/{channel}:{template}:{offset}@{anchor}"
        outcome = "delivered" if channel != "call" else rng.choice(("reached", "not_reached"))
        history.append(Issued(key, issued, channel, outcome))
    return history


def generated_states(count: int, seed: int = 7) -> list[tuple[AccountState, datetime.date]]:
    """Accounts with a year of monthly rent and varied payers, contact data, a few opt-outs,
    disputes and repayment plans, and a history of earlier actions, each with a day to step."""
    rng = random.Random(seed)
    start = datetime.date(2025, 7, 5)
    result = []
    for number in range(count):
        rent = Decimal(rng.randint(300, 800))
        ledger = []
        for month in range(12):
            index = start.month - 1 + month
            due = datetime.date(start.year + index // 12, index % 12 + 1, 5)
            ledger.append(Charge(amount=rent, due=due, period=f"{due:%Y-%m}"))
            behaviour = rng.random()
            if behaviour < 0.55:
                paid, amount = due, rent
            elif behaviour < 0.8:
                paid, amount = due + datetime.timedelta(days=rng.randint(1, 25)), rent
            elif behaviour < 0.9:
                paid, amount = due + datetime.timedelta(days=rng.randint(0, 20)), rent / 2
            else:
                continue
            ledger.append(Payment(amount=amount, on=paid, id=f"p{month}"))
            if rng.random() < 0.03:
                ledger.append(Rejection(on=paid + datetime.timedelta(days=3), payment=f"p{month}"))
        departement = rng.choices(DEPARTEMENTS, DEPARTEMENT_WEIGHTS)[0]
        attributes: dict[str, object] = {"apl": rng.random() < 0.4, "departement": departement}
        if rng.random() < 0.7:
            attributes["income"] = Decimal(rng.randint(600, 3000))
        if rng.random() < 0.88:
            prefix, digits = ("+262692", 6) if departement == "974" else ("+336", 8)
            attributes["phone_mobile"] = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
        if rng.random() < 0.45:
            attributes["email_address"] = f"locataire{number}@example.org"
        for name, share in (
            ("sms_opt_out", 0.04),
            ("call_opt_out", 0.03),
            ("email_opt_out", 0.02),
            ("dispute", 0.03),
            ("over_indebtedness", 0.015),
        ):
            if rng.random() < share:
                attributes[name] = True
        plans = []
        if rng.random() < 0.06:
            signed = datetime.date(2026, rng.randint(1, 4), rng.randint(1, 28))
            instalments = [
                (signed + datetime.timedelta(days=30 * (k + 1)), rent / 4) for k in range(6)
            ]
            plans.append(Plan(signed_on=signed, instalments=instalments))
        day = datetime.date(2026, 4, 1) + datetime.timedelta(days=rng.randint(0, 90))
        state = AccountState(
            account_id=f"A{number:05d}", attributes=attributes, ledger=ledger, plans=plans
        )
        result.append((attrs.evolve(state, history=_history(rng, state, day)), day))
    return result


def timed(function, cases) -> float:
    start = time.perf_counter()
    for state, day in cases:
        function(state, day)
    return time.perf_counter() - start


def measure(functions, cases, repeat: int, chunk: int = 500) -> list[float]:
    """Each function's time over all cases: the median over ``repeat`` runs of each chunk of
    cases, summed; the functions take turns on every chunk, so that another process's burst of
    work slows them alike or is outvoted."""
    chunks = [cases[start : start + chunk] for start in range(0, len(cases), chunk)]
    times = [[[] for _ in chunks] for _ in functions]
    for run in range(repeat):
        for number, part in enumerate(chunks):
            first = (run + number) % len(functions)
            for index in (*range(first, len(functions)), *range(first)):
                times[index][number].append(timed(functions[index], part))
    return [sum(statistics.median(runs) for runs in per_chunk) for per_chunk in times]


def agree(program, baseline, cases) -> int:
    """Check that the program and its baseline return the same actions; how many there are."""
    issued = 0
    for state, day in cases:
        expected = baseline(state, day)
        actual = program.step(state, day)
        assert actual == expected, (state.account_id, day, actual, expected)
        assert [a.reason for a in actual] == [a.reason for a in expected]
        issued += len(actual)
    return issued


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--accounts", type=int, default=10_000)
    options.add_argument("--repeat", type=int, default=5)
    args = options.parse_args()

    program = dunforce.compile(SCENARIOS, filename="benchmark.dfs")
    relaxed = dunforce.compile(RELAXED, filename="relaxed.dfs")
    cases = generated_states(args.accounts)
    issued = agree(program, hand_written_step, cases)
    relaxed_issued = agree(relaxed, simple_step, cases)
    print(
        f"{len(cases):,} accounts; {issued:,} actions under the default policy, "
        f"{relaxed_issued:,} under the relaxed one; each pair agrees on every one"
    )

    pairs = (
        ("hand-written step with policy (baseline)", hand_written_step),
        ("Program.step with policy", program.step),
        ("hand-written step, no policy (baseline)", simple_step),
        ("Program.step, relaxed policy", relaxed.step),
    )
    medians = measure([function for _, function in pairs], cases, args.repeat)
    per = 1e6 / len(cases)
    for (name, _), median in zip(pairs, medians, strict=True):
        print(f"{name + ':':<42} median {median * per:7.1f} µs per account")
    for label, hand, compiled in (
        ("with policy", medians[0], medians[1]),
        ("relaxed / no policy", medians[2], medians[3]),
    ):
        ratio = hand / compiled
        print(
            f"throughput ratio Program.step / hand-written, {label}: {ratio:.2f}x "
            f"(target 0.8x: {'met' if ratio >= 0.8 else 'MISSED'})"
        )
    print(
        f"cost of the policy: Program.step {medians[1] / medians[3]:.2f}x the relaxed, "
        f"hand-written {medians[0] / medians[2]:.2f}x the simpler"
    )


if __name__ == "__main__":
    main()
