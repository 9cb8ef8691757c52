"""Deadline surge: N teams finalize within the last minute before the G7 deadline, through the
real HTTP server, against a bare endpoint doing the same durable work, served the same way.

    .venv/bin/python -m benchmarks.deadline_surge [--teams 300] [--concurrency 100]
        [--database-url postgresql+psycopg://USER@HOST:PORT/postgres] [--attachment-bytes N]
        [--keep] [--json]

Targets: finalizations per second at least half the baseline's, p99 under 1 s, none lost, none
duplicated. Exit code 0 when every target is met, 1 otherwise. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from sqlmodel import select

from app.core.db import make_engine, new_session
from app.submissions import receipts
from app.submissions.models import Receipt
from benchmarks._setup import Entry, fresh_database, prepare, settings_for
from benchmarks._surge import Call, Run, percentile, server, surge
from benchmarks._verify import Check, verify

START_AT = "2025-12-01T19:59:00+00:00"  # one minute before the G7 deadline (20:00 UTC)
TARGET_RATIO, TARGET_P99 = 0.5, 1.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deadline_surge")
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite files)")
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
    }


def run_platform(args: argparse.Namespace, folder: Path) -> tuple[dict[str, Any], Check, int]:
    """Set up, surge and verify the platform; returns its figures, the check, snapshot size."""
    with fresh_database(args.database_url, folder, "platform") as url:
        settings = settings_for(folder / "platform", url)
        entries = prepare(settings, teams_count=args.teams, attachment_bytes=args.attachment_bytes)
        serve = ["platform", "--data-dir", str(settings.data_dir), "--database-url", url]
        with server([*serve, "--start-at", START_AT], folder / "platform.log") as base:
            run = surge(base, _finalize_calls(entries), args.concurrency)
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


def run_baseline(args: argparse.Namespace, folder: Path, file_bytes: int) -> dict[str, Any]:
    with fresh_database(args.database_url, folder, "baseline") as url:
        data_dir = folder / "baseline"
        data_dir.mkdir(parents=True, exist_ok=True)
        serve = ["baseline", "--data-dir", str(data_dir), "--database-url", url]
        with server([*serve, "--file-bytes", str(file_bytes)], folder / "baseline.log") as base:
            calls = [Call(key=n, path=f"/bench/{n}", headers={}) for n in range(1, args.teams + 1)]
            run = surge(base, calls, args.concurrency)
    return figures(run)


def summarize(
    args: argparse.Namespace,
    platform: dict[str, Any],
    check: Check,
    baseline: dict[str, Any],
    file_bytes: int,
) -> dict[str, Any]:
    ratio = platform["per_second"] / baseline["per_second"] if baseline["per_second"] else 0.0
    targets = {
        "ratio_at_least_0_5": ratio >= TARGET_RATIO,
        "p99_under_1_s": platform["p99_seconds"] < TARGET_P99,
        "none_lost": check.lost == 0,
        "none_duplicated": check.duplicated == 0,
        "digests_equal": check.digest_mismatches == 0,
        "all_acknowledged": platform["acknowledged"] == args.teams,
    }
    return {
        "teams": args.teams,
        "concurrency": args.concurrency,
        "database": "postgresql" if args.database_url else "sqlite",
        "attachment_bytes": args.attachment_bytes,
        "snapshot_bytes": file_bytes,
        "platform": platform,
        "baseline": baseline,
        "ratio": round(ratio, 3),
        "check": {k: v for k, v in vars(check).items() if k != "problems"},
        "problems": check.problems[:20],
        "targets": targets,
        "passed": all(targets.values()),
    }


def table(summary: dict[str, Any]) -> str:
    p, b = summary["platform"], summary["baseline"]
    rows = [
        ("", "finalize", "baseline"),
        ("requests", p["requests"], b["requests"]),
        ("acknowledged (200)", p["acknowledged"], b["acknowledged"]),
        ("wall time (s)", p["wall_seconds"], b["wall_seconds"]),
        ("per second", p["per_second"], b["per_second"]),
        ("p50 (s)", p["p50_seconds"], b["p50_seconds"]),
        ("p99 (s)", p["p99_seconds"], b["p99_seconds"]),
        ("max (s)", p["max_seconds"], b["max_seconds"]),
        ("errors by status", p["errors"] or "none", b["errors"] or "none"),
    ]
    head = (
        f"deadline surge: {summary['teams']} teams, concurrency {summary['concurrency']}, "
        f"{summary['database']}, attachment {summary['attachment_bytes']} B, "
        f"snapshot {summary['snapshot_bytes']} B"
    )
    lines = [head] + [f"  {a:<20} {x!s:>14} {y!s:>14}" for a, x, y in rows]
    c = summary["check"]
    lines.append(f"  ratio finalize/baseline: {summary['ratio']}")
    lines.append(
        f"  stored receipts {c['stored']}, lost {c['lost']}, duplicated {c['duplicated']}, "
        f"digests recomputed {c['digests_checked']} ({c['digest_mismatches']} differ), "
        f"attachments re-hashed {c['attachments_checked']}"
    )
    lines += [f"  problem: {m}" for m in summary["problems"]]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}" for name, ok in summary["targets"].items()]
    lines.append("PASS" if summary["passed"] else "FAIL")
    return "\n".join(lines)


def measure(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the whole benchmark and return its summary (what ``--json`` prints)."""
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="govai-surge-"))
    try:
        platform, check, file_bytes = run_platform(args, folder)
        baseline = run_baseline(args, folder, file_bytes)
        summary = summarize(args, platform, check, baseline, file_bytes)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    summary["folder"] = str(folder) if args.keep else None
    return summary


def main(argv: list[str] | None = None) -> int:
    summary = measure(argv)
    as_json = parse(argv).json
    print(json.dumps(summary, indent=2) if as_json else table(summary))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
