"""Turn classifier speed: the analyser's cold start and the time per utterance (target p99 < 1 ms).

Run: `.venv/bin/python -m bench.bench_turns [--rounds 20]`. Every utterance of the turn corpora
(tests/cases/turns*.csv) is classified `--rounds` times in a shuffled order (fixed seed), each
timed on its own, in the context its case names. The cold start is the process's first
classification: loading Sudachi's dictionary and the supervisor's lexicon, then one utterance.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def corpus() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for path in sorted(CASES.glob("turns*.csv")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        rows += [(r["context"], r["text"]) for r in csv.DictReader(lines)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="times each utterance is classified")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from ivr.turn.classifier import TurnContext, default_classifier

    classifier = default_classifier()
    classifier.classify("はい")
    cold_s = time.perf_counter() - t0

    cases = [(TurnContext(context), text) for context, text in corpus()]
    order = cases * args.rounds
    random.Random(9).shuffle(order)
    timings = []
    for context, text in order:
        start = time.perf_counter_ns()
        classifier.classify(text, context)
        timings.append(time.perf_counter_ns() - start)
    timings.sort()

    def ms(q: float) -> float:
        return timings[min(len(timings) - 1, int(q * len(timings)))] / 1e6

    longest = max(cases, key=lambda c: len(c[1]))[1]
    print(f"cold start (import, Sudachi dictionary, lexicon, first utterance): {cold_s:.3f} s")
    print(f"utterances: {len(cases)} distinct x {args.rounds} rounds = {len(timings)} classifications")
    print(f"per utterance: mean {statistics.fmean(timings) / 1e6:.3f} ms, p50 {ms(0.5):.3f} ms, "
          f"p90 {ms(0.9):.3f} ms, p99 {ms(0.99):.3f} ms, max {timings[-1] / 1e6:.3f} ms (target p99 < 1 ms)")
    print(f"longest utterance ({len(longest)} chars): {longest}")


if __name__ == "__main__":
    main()
