"""Parse + check (+ compile) of the bundled social-housing example: median of 20 runs.

Run: python benchmarks/parse.py [--runs N]

The baseline measured in the same run is Lark's bare LALR parse of the same text into a Lark tree
(no AST, no checks), so the ratio shows what dunforce's AST, error handling and checker add on top
of the parsing library; the absolute target for parse + check is 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from dunforce import load
from dunforce.dsl import check
from dunforce.dsl.parser import _parser

EXAMPLE = Path(__file__).parent.parent / "examples" / "social_housing" / "scenarios.dfs"
TARGET_MS = 50.0


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=20)
    runs = options.parse_args().runs

    start = time.perf_counter()
    _parser()
    grammar_ms = (time.perf_counter() - start) * 1000

    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.count("\n")
    checked = check(text)  # warm-up, and the figures below
    lark = _parser()
    bare = timed(lambda: lark.parse(EXAMPLE.read_bytes().decode("utf-8")), runs)
    parse_check = timed(lambda: check(EXAMPLE.read_bytes(), filename=str(EXAMPLE)), runs)
    full = timed(lambda: load(EXAMPLE), runs)
    median = statistics.median(parse_check)
    compiled = statistics.median(full)
    print(
        f"example: {EXAMPLE.name}, {lines} lines, {len(checked.profiles)} profiles, "
        f"{len(checked.module.scenarios)} scenarios"
    )
    print(f"grammar load (once per process): {grammar_ms:.1f} ms")
    baseline = statistics.median(bare)
    print(f"bare Lark parse (baseline): median {baseline:8.3f} ms")
    print(
        f"parse + check, {runs} runs:    median {median:8.3f} ms "
        f"(min {min(parse_check):.3f}, max {max(parse_check):.3f}), "
        f"{median / baseline:.2f}x the baseline"
    )
    print(
        f"parse + check + compile:    median {compiled:8.3f} ms (min {min(full):.3f}), "
        f"{compiled / baseline:.2f}x the baseline"
    )
    median = compiled
    print(
        f"target {TARGET_MS:.0f} ms: median is {median / TARGET_MS:.2f}x the target "
        f"({'met' if median <= TARGET_MS else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
