"""Deadline surge: N teams finalize within the last minute before the G7 deadline, through the
real HTTP server, against a bare endpoint doing the same durable work, served the same way.

    .venv/bin/python -m benchmarks.deadline_surge [--teams 300] [--concurrency 100]
        [--spread 60] [--database-url postgresql+psycopg://USER@HOST:PORT/postgres]
        [--attachment-bytes N] [--keep] [--json]

Two surges, each on a fresh database: every team released at once (the worst case: the rate,
and the ratio to the baseline), then the same number of teams arriving at random moments of
the last ``--spread`` seconds (latency as teams see it when they do not all press the button in
the same instant). Targets: finalizations per second at least half the baseline's, p99 under
1 s, none lost, none duplicated. Exit code 0 when every target is met, 1 otherwise. See
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from app.core.db import make_engine, new_session
from app.submissions import receipts
from app.submissions.models import Receipt
from benchmarks._setup import Entry, fresh_database, prepare, settings_for
from benchmarks._surge import Call, Run, percentile, server, surge
from benchmarks._verify import Check, verify

DEADLINE = datetime(2025, 12, 1, 20, 0, tzinfo=UTC)  # the G7 deadline (15:00 in Toronto)
MARGIN = timedelta(seconds=5)  # between the server's start and the last arrival's deadline
TARGET_RATIO, TARGET_P99 = 0.5, 1.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deadline_surge")
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument(
        "--spread",
        type=float,
        default=60.0,
        help="seconds over which the teams of the second surge arrive (0: no second surge)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite files)")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (govai serve --workers)"
    )
    parser.add_argument("--attachment-bytes", type=int, default=64 * 1024)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    return parser.parse_args(argv)


def figures(run: Run) -> dict[str, Any]:
    ok = [o.seconds for o in run.outcomes if o.status == 200]
    every = [o.seconds for o in run.outcomes]
    return {
        "requests": len(run.outcomes),
        "acknowledged": len(ok),
        "wall_seconds": round(run.wall_seconds, 3),
        "per_second": round(len(ok) / run.wall_seconds, 1) if run.wall_seconds else 0.0,
        "p50_seconds": round(percentile(every, 0.50), 4),
        "p99_seconds": round(percentile(every, 0.99), 4),
        "max_seconds": round(max(every, default=0.0), 4),
        "errors": {
            str(s): n
            for s, n in sorted(Counter(o.status for o in run.outcomes).items())
            if s != 200
        },
        "retries": sum(o.retries for o in run.outcomes),
        "no_answer": sorted({o.error for o in run.outcomes if o.error})[:5],
    }


def run_platform(
    args: argparse.Namespace, folder: Path, *, spread: float
) -> tuple[dict[str, Any], Check, int]:
    """Set up, surge and verify the platform on a fresh database; returns its figures, the
    check and the mean snapshot size. The server's clock starts so that the last arrival is
    still a few seconds before the deadline (a late one gets 409, counted as an error)."""
    name = f"platform-{spread:g}s"
    with fresh_database(args.database_url, folder, name) as url:
        settings = settings_for(folder / name, url)
        entries = prepare(settings, teams_count=args.teams, attachment_bytes=args.attachment_bytes)
        start_at = DEADLINE - timedelta(seconds=max(spread, 55.0)) - MARGIN
        serve = ["platform", "--data-dir", str(settings.data_dir), "--database-url", url]
        serve += ["--workers", str(args.workers)]
        with server([*serve, "--start-at", start_at.isoformat()], folder / f"{name}.log") as base:
            run = surge(base, _finalize_calls(entries), args.concurrency, spread=spread)
        acknowledged = {o.key: o.body for o in run.outcomes if o.status == 200}
        engine = make_engine(settings)
        try:
            check = verify(engine, settings.data_dir, acknowledged)
            size = _snapshot_bytes(engine)
        finally:
            engine.dispose()
    return figures(run), check, size


def _finalize_calls(entries: list[Entry]) -> list[Call]:
    return [
        Call(
            key=e.submission_id,
            path=f"/api/v1/submissions/{e.submission_id}/finalize",
            headers={"Authorization": f"Bearer {e.token}"},
        )
        for e in entries
    ]


def _snapshot_bytes(engine: Any) -> int:
    """The mean size of a stored receipt snapshot (canonical JSON, attachment digests in)."""
    with new_session(engine) as session:
        sizes = [
            len(receipts.canonical(r.snapshot).encode()) for r in session.exec(select(Receipt))
        ]
    return sum(sizes) // len(sizes) if sizes else 4096


def run_baseline(
    args: argparse.Namespace, folder: Path, file_bytes: int, *, spread: float
) -> dict[str, Any]:
    name = f"baseline-{spread:g}s"
    with fresh_database(args.database_url, folder, name) as url:
        data_dir = folder / name
        data_dir.mkdir(parents=True, exist_ok=True)
        serve = ["baseline", "--data-dir", str(data_dir), "--database-url", url]
        serve += ["--workers", str(args.workers)]
        with server([*serve, "--file-bytes", str(file_bytes)], folder / f"{name}.log") as base:
            calls = [Call(key=n, path=f"/bench/{n}", headers={}) for n in range(1, args.teams + 1)]
            run = surge(base, calls, args.concurrency, spread=spread)
    return figures(run)


def summarize(
    args: argparse.Namespace,
    runs: dict[str, dict[str, Any]],
    check: Check,
    file_bytes: int,
) -> dict[str, Any]:
    """``runs``: the figures of "finalize" and "baseline" released at once, and of
    "finalize spread" and "baseline spread" when there was a second surge."""
    platform, baseline = runs["finalize"], runs["baseline"]
    ratio = platform["per_second"] / baseline["per_second"] if baseline["per_second"] else 0.0
    targets = {"ratio_at_least_0_5": ratio >= TARGET_RATIO}
    if "finalize spread" in runs:
        targets["p99_under_1_s_arriving_over_spread"] = (
            runs["finalize spread"]["p99_seconds"] < TARGET_P99
        )
    targets |= {
        "p99_under_1_s_all_at_once": platform["p99_seconds"] < TARGET_P99,
        "none_lost": check.lost == 0,
        "none_duplicated": check.duplicated == 0,
        "digests_equal": check.digest_mismatches == 0,
        "all_acknowledged": all(run["acknowledged"] == args.teams for run in runs.values()),
    }
    return {
        "teams": args.teams,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "spread_seconds": args.spread,
        "database": "postgresql" if args.database_url else "sqlite",
        "attachment_bytes": args.attachment_bytes,
        "snapshot_bytes": file_bytes,
        "platform": platform,
        "baseline": baseline,
        "spread": {k.split()[0]: v for k, v in runs.items() if k.endswith("spread")},
        "ratio": round(ratio, 3),
        "check": {k: v for k, v in vars(check).items() if k != "problems"},
        "problems": check.problems[:20],
        "targets": targets,
        "passed": all(targets.values()),
    }


def table(summary: dict[str, Any]) -> str:
    runs = {"finalize": summary["platform"], "baseline": summary["baseline"]}
    runs |= {f"{k} spread": v for k, v in summary["spread"].items()}
    rows = [
        ("requests", "requests"),
        ("acknowledged (200)", "acknowledged"),
        ("wall time (s)", "wall_seconds"),
        ("per second", "per_second"),
        ("p50 (s)", "p50_seconds"),
        ("p99 (s)", "p99_seconds"),
        ("max (s)", "max_seconds"),
        ("errors by status", "errors"),
        ("sent again", "retries"),
    ]
    head = (
        f"deadline surge: {summary['teams']} teams, concurrency {summary['concurrency']}, "
        f"{summary['workers']} server worker(s), "
        f"{summary['database']}, attachment {summary['attachment_bytes']} B, "
        f"snapshot {summary['snapshot_bytes']} B; all at once"
        + (f", then arriving over {spread:g} s" if (spread := summary["spread_seconds"]) else "")
    )
    lines = [head, f"  {'':<20}" + "".join(f"{name:>18}" for name in runs)]
    for label, key in rows:
        cells = (
            str(run[key] or "none") if key == "errors" else str(run[key]) for run in runs.values()
        )
        lines.append(f"  {label:<20}" + "".join(f"{cell:>18}" for cell in cells))
    c = summary["check"]
    lines.append(f"  ratio finalize/baseline (at once): {summary['ratio']}")
    lines.append(
        f"  stored receipts {c['stored']}, lost {c['lost']}, duplicated {c['duplicated']}, "
        f"digests recomputed {c['digests_checked']} ({c['digest_mismatches']} differ), "
        f"attachments re-hashed {c['attachments_checked']}"
    )
    lines += [f"  problem: {m}" for m in summary["problems"]]
    lines += [f"  no answer ({name}): {e}" for name, run in runs.items() for e in run["no_answer"]]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}" for name, ok in summary["targets"].items()]
    lines.append("PASS" if summary["passed"] else "FAIL")
    return "\n".join(lines)


def measure(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the whole benchmark and return its summary (what ``--json`` prints)."""
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="govai-surge-"))
    try:
        platform, check, file_bytes = run_platform(args, folder, spread=0.0)
        runs = {"finalize": platform}
        runs["baseline"] = run_baseline(args, folder, file_bytes, spread=0.0)
        if args.spread > 0:
            runs["finalize spread"], more, _ = run_platform(args, folder, spread=args.spread)
            check = _combined(check, more)
            runs["baseline spread"] = run_baseline(args, folder, file_bytes, spread=args.spread)
        summary = summarize(args, runs, check, file_bytes)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    summary["folder"] = str(folder) if args.keep else None
    return summary


def _combined(first: Check, second: Check) -> Check:
    """Both surges' checks as one: counts added, problems listed one after the other."""
    counts = {k: getattr(first, k) + getattr(second, k) for k in vars(first) if k != "problems"}
    return Check(**counts, problems=first.problems + second.problems)


def main(argv: list[str] | None = None) -> int:
    summary = measure(argv)
    as_json = parse(argv).json
    print(json.dumps(summary, indent=2) if as_json else table(summary))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
