"""Program.step against a hand-written step function, on the same generated account states.

Run: python benchmarks/step.py [--accounts 10000] [--repeat 5]

The baseline is what an integrator would write by hand for the scenarios below: the same ledger
analysis (``dunforce.ledger.analyse``, a library call both sides make), then the profiles and steps
as plain Python ``if``s, with the same semantics (catch-up window of 3 days decided as of the
scheduled day, history keys, the same keys, reasons and order). Both must return the same actions
for every state — checked before anything is timed — and the ratio is the compiled program's
throughput over the hand-written one's (target: at least 0.8).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time
from decimal import Decimal

import dunforce
from dunforce import AccountState, Action, Charge, Payment, Rejection
from dunforce.ledger import analyse

SCENARIOS = """\
profile fragile:  apl and income is set and income < 1200 €
profile chronic:  late_episodes_12m >= 3
profile standard: otherwise

scenario gentle for fragile, standard:
    sms "relance_1" at D+2
    call at D+10 if debt >= 50 €
    letter "mise_en_demeure" registered at D+30 if debt_months >= 1

scenario firm for chronic:
    sms "relance_ferme" at D+1
    call at D+5 if debt >= 100 €
"""
NAMES = frozenset({"late_episodes_12m", "debt", "debt_months"})
PROFILE_TEXTS = {
    "fragile": "apl and income is set and income < 1200 €",
    "chronic": "late_episodes_12m >= 3",
    "standard": "otherwise",
}
WINDOW = 3

# the steps of the file, written out by hand: (scenario, profiles, channel, template, options,
# offset, condition, kind, line, text)
STEPS = (
    (
        "gentle",
        ("fragile", "standard"),
        "sms",
        "relance_1",
        (),
        2,
        None,
        "automatic",
        6,
        'sms "relance_1" at D+2',
    ),
    (
        "gentle",
        ("fragile", "standard"),
        "call",
        None,
        (),
        10,
        lambda v: v["debt"] >= 5000,
        "task",
        7,
        "call at D+10 if debt >= 50 €",
    ),
    (
        "gentle",
        ("fragile", "standard"),
        "letter",
        "mise_en_demeure",
        ("registered",),
        30,
        lambda v: v["debt_months"] >= 1,
        "automatic",
        8,
        'letter "mise_en_demeure" registered at D+30 if debt_months >= 1',
    ),
    (
        "firm",
        ("chronic",),
        "sms",
        "relance_ferme",
        (),
        1,
        None,
        "automatic",
        11,
        'sms "relance_ferme" at D+1',
    ),
    (
        "firm",
        ("chronic",),
        "call",
        None,
        (),
        5,
        lambda v: v["debt"] >= 10000,
        "task",
        12,
        "call at D+5 if debt >= 100 €",
    ),
)


def hand_written_step(state: AccountState, on: datetime.date) -> tuple[Action, ...]:
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
    earlier: dict[int, dict] = {}
    found = []
    for index, (
        scenario,
        profiles,
        channel,
        template,
        options,
        offset,
        condition,
        kind,
        line,
        text,
    ) in enumerate(STEPS):
        day = anchor + offset
        if day > today or day + WINDOW < today or day < opened:
            continue
        key = f"{scenario}/{channel}:{template or ''}:D+{offset}@{anchor_text}"
        if key in keys:
            continue
        if day == today:
            values = analysis.values
        else:
            values = earlier.get(day)
            if values is None:
                values = earlier[day] = analyse(
                    state, datetime.date.fromordinal(day), names=NAMES
                ).values
        who = profile(values)
        if who not in profiles or (condition is not None and not condition(values)):
            continue
        reason = (
            f"profile {who} ({PROFILE_TEXTS[who]}); scenario {scenario}, line {line}: {text} "
            f"(D = {anchor_text})"
        )
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
        )
        found.append((day, index, key, action))
    found.sort(key=lambda item: item[:3])
    return tuple(item[3] for item in found)


def generated_states(count: int, seed: int = 7) -> list[tuple[AccountState, datetime.date]]:
    """Accounts with a year of monthly rent and varied payers, each with a day to step."""
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
        attributes = {"apl": rng.random() < 0.4}
        if rng.random() < 0.7:
            attributes["income"] = Decimal(rng.randint(600, 3000))
        state = AccountState(account_id=f"A{number:05d}", attributes=attributes, ledger=ledger)
        day = datetime.date(2026, 4, 1) + datetime.timedelta(days=rng.randint(0, 90))
        result.append((state, day))
    return result


def timed(function, cases) -> float:
    start = time.perf_counter()
    for state, day in cases:
        function(state, day)
    return time.perf_counter() - start


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--accounts", type=int, default=10_000)
    options.add_argument("--repeat", type=int, default=5)
    args = options.parse_args()

    program = dunforce.compile(SCENARIOS, filename="benchmark.dfs")
    cases = generated_states(args.accounts)
    issued = 0
    for state, day in cases:
        expected = hand_written_step(state, day)
        actual = program.step(state, day)
        assert actual == expected, (state.account_id, day, actual, expected)
        assert [a.reason for a in actual] == [a.reason for a in expected]
        issued += len(actual)
    print(f"{len(cases):,} accounts, {issued:,} actions; both functions agree on every one")

    compiled, hand = [], []
    for _ in range(args.repeat):  # interleaved, so that drift affects both alike
        hand.append(timed(hand_written_step, cases))
        compiled.append(timed(program.step, cases))
    hand_median, compiled_median = statistics.median(hand), statistics.median(compiled)
    per = 1e6 / len(cases)
    print(f"hand-written step (baseline): median {hand_median * per:7.1f} µs per account")
    print(f"Program.step:                 median {compiled_median * per:7.1f} µs per account")
    ratio = hand_median / compiled_median
    print(
        f"throughput ratio Program.step / hand-written: {ratio:.2f}x "
        f"(target 0.8x: {'met' if ratio >= 0.8 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
