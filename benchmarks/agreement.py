"""Agreement with bootstrap intervals: 2,000 entries x 3 judges, 1,000 resamples.

    .venv/bin/python -m benchmarks.agreement [--entries 2000] [--judges 3] [--resamples 1000]

Prints, best of ``--repeat`` runs (pin it to one core: ``taskset -c 0``): one plain
computation of alpha and of the two ICCs (the baseline), ``scoring.agreement.agreement`` (all
three with their intervals, the resamples evaluated as one counts matrix per chunk), and as
many resamples done one by one (resample the rows, call the plain functions), as a loop would.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from scoring.agreement import Estimate, agreement, icc2, krippendorff_alpha


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.agreement")
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def jury(entries: int, judges: int, seed: int = 0) -> np.ndarray:
    """Quality + judge offset + noise, rounded to a tenth, 5 % of the scores missing."""
    rng = np.random.default_rng(seed)
    x = rng.normal(5, 1.5, (entries, 1)) + rng.normal(0, 0.8, judges)
    x = np.round(x + rng.normal(size=(entries, judges)), 1)
    x[rng.random(x.shape) < 0.05] = np.nan
    return x


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def one_by_one(x: np.ndarray, resamples: int) -> None:
    rng = np.random.default_rng(0)
    for _ in range(resamples):
        rows = x[rng.integers(0, len(x), len(x))]
        krippendorff_alpha(rows)
        icc2(rows)


def describe(e: Estimate, *, band: bool = True) -> str:
    if e.value is None or e.interval is None:
        return "undefined"
    low, high = e.interval
    koo_li = f", Koo & Li: {e.band.value}" if band and e.band else ""
    return f"{e.value:.4f}  95 % [{low:.4f}, {high:.4f}]  on {e.units} entries{koo_li}"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    x = jury(args.entries, args.judges)
    plain = best(lambda: (krippendorff_alpha(x), icc2(x)), args.repeat)
    boot = best(lambda: agreement(x, resamples=args.resamples, seed=1), args.repeat)
    loop = best(lambda: one_by_one(x, args.resamples), 1)
    result = agreement(x, resamples=args.resamples, seed=1)
    print(f"{args.entries:,} entries x {args.judges} judges, {args.resamples:,} resamples")
    print(f"one plain computation (alpha + ICCs)  {plain * 1e3:9.2f} ms")
    print(f"agreement() with intervals            {boot * 1e3:9.2f} ms  ({boot / plain:.0f} x)")
    print(f"resamples one by one                  {loop * 1e3:9.2f} ms  ({loop / plain:.0f} x)")
    print(f"  alpha     {describe(result.alpha, band=False)}")
    print(f"  ICC(2,1)  {describe(result.icc2_1)}")
    print(f"  ICC(2,k)  {describe(result.icc2_k)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
