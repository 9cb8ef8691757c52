"""Rankings at scale: rubric totals, calibration, 1,000 resamples, intervals, P(top N), cut-off.

    .venv/bin/python -m benchmarks.rankings [--entries 10000] [--reviews 5] [--criteria 8]
        [--judges 500] [--resamples 1000] [--method posterior|residuals] [--seed 1]

Synthetic data (not timed): E entries, each reviewed by ``--reviews`` distinct judges drawn at
random from ``--judges``, each review an integer 1..5 on every criterion (quality + judge
offset + noise, rounded and clipped), criterion weights 1..C. Timed, on one thread: the
weighted totals of every review (vectorised, checked against ``scoring.rubric.total`` on 200
reviews to 1e-9, not timed), ``calibrate``, ``draws`` (1,000 resamples), ``summarise`` (80 %
intervals, P(top 10)) and ``cut`` at 10. The baseline, in the same run: the plain per-entry
mean of the same totals (``np.bincount``), which is what a ranking without calibration or
uncertainty costs. Exit code 0 when the timed work takes under 2 s of CPU on one core.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # one core, as the target says; before numpy is imported

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from scoring.calibration import calibrate, reviews  # noqa: E402
from scoring.rubric import Criterion, Rubric, total  # noqa: E402
from scoring.uncertainty import cut, draws, summarise  # noqa: E402

TARGET_SECONDS = 2.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rankings")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=5)
    parser.add_argument("--criteria", type=int, default=8)
    parser.add_argument("--judges", type=int, default=500)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--method", choices=("posterior", "residuals"), default="posterior")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def synthetic(args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(args.seed)
    e, k, c, j = args.entries, args.reviews, args.criteria, args.judges
    judge = np.argpartition(rng.random((e, j)), k, axis=1)[:, :k].ravel()
    entry = np.repeat(np.arange(e), k)
    signal = rng.normal(3, 0.7, e)[entry] + rng.normal(0, 0.5, j)[judge]
    marks = np.rint(signal[:, None] + rng.normal(0, 0.8, (e * k, c)))
    return {"entry": entry, "judge": judge, "marks": np.clip(marks, 1, 5).astype(np.int64)}


def totals(marks: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The rubric total of each review, in floats: 100 * sum(w * share) / sum(w)."""
    return np.asarray(100 * ((marks - 1) / 4) @ weights / weights.sum())


def check_totals(marks: np.ndarray, weights: np.ndarray, scores: np.ndarray) -> float:
    rubric = Rubric(tuple(Criterion(f"c{i}", int(w), 1, 5) for i, w in enumerate(weights)))
    worst = 0.0
    for row in range(0, marks.shape[0], max(1, marks.shape[0] // 200)):
        review = {f"c{i}": int(m) for i, m in enumerate(marks[row])}
        worst = max(worst, abs(float(total(rubric=rubric, review=review)) - scores[row]))
    return worst


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    data = synthetic(args)
    weights = np.arange(1.0, args.criteria + 1)
    n = args.entries

    def baseline() -> np.ndarray:
        scores = totals(data["marks"], weights)
        return np.bincount(data["entry"], scores, n) / np.bincount(data["entry"], minlength=n)

    def ranking() -> Any:
        scores = totals(data["marks"], weights)
        found = reviews(entry=data["entry"], judge=data["judge"], score=scores, n_entries=n,
                        n_judges=args.judges)  # fmt: skip
        fit = calibrate(found)
        samples = draws(fit, found, resamples=args.resamples, seed=args.seed, method=args.method)
        uncertainty = summarise(samples, level=0.8, top=10)
        return scores, cut(fit=fit, data=found, uncertainty=uncertainty, n=10)

    base_wall, base_cpu, _ = timed(baseline)
    wall, cpu, (scores, cutoff) = timed(ranking)
    worst = check_totals(data["marks"], weights, scores)
    shape = f"{n} entries x {args.reviews} reviews x {args.criteria} criteria"
    print(f"{shape}, {args.judges} judges, {args.resamples} resamples ({args.method}), 1 thread")
    print(f"baseline (plain mean per entry): {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")
    ratio = cpu / max(base_cpu, 1e-9)
    print(f"calibration + uncertainty + cut: {wall:.3f} s wall, {cpu:.3f} s CPU "
          f"(target {TARGET_SECONDS} s CPU; {ratio:.0f} x the baseline)")  # fmt: skip
    print(f"totals vs scoring.rubric.total: worst |difference| {worst:.1e} (1e-9 allowed)")
    print(f"cut at 10: selected {cutoff.selected}, statistical tie {len(cutoff.tied)} entries")
    return 0 if cpu < TARGET_SECONDS and worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
