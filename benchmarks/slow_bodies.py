"""Slow request bodies: /healthz and a page, alone and while 100 clients trickle bodies in.

    .venv/bin/python -m benchmarks.slow_bodies [--database-url URL] [--slow 100] [--samples 50]

The platform is served as ``govai serve`` does (``benchmarks._serve``, a child process) on a
fresh database with the G7 catalogue. Each path is fetched ``--samples`` times in turn on one
kept connection, first alone (the baseline), then while ``--slow`` connections each send a
1,000-byte body to /oauth/token one byte every 0.2 s. Exit code 0 when every request is
answered 200 and the slowest one, under the slow bodies, within a second.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from app.competitions.sync import load_catalogue
from app.core.db import make_engine, new_session
from app.core.migrations import upgrade
from benchmarks._setup import CATALOGUE, fresh_database, settings_for
from benchmarks._surge import percentile, server
from tests.servers import trickling

PATHS = ("/healthz", "/en/")
TARGET_SECONDS = 1.0
GIVE_UP_SECONDS = 10.0  # a request unanswered by then counts as not answered


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slow_bodies")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--slow", type=int, default=100, help="slow bodies at once")
    parser.add_argument("--samples", type=int, default=50, help="requests per path and phase")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def sample(base: str, samples: int) -> dict[str, dict[str, Any]]:
    """Per path: how many answered 200, and the latency p50, p95 and max in seconds."""
    latencies: dict[str, list[float]] = {path: [] for path in PATHS}
    ok = dict.fromkeys(PATHS, 0)
    with httpx.Client(base_url=base, timeout=GIVE_UP_SECONDS) as client:
        for _ in range(samples):
            for path in PATHS:
                started = time.monotonic()
                with contextlib.suppress(httpx.TimeoutException):  # counted as not 200
                    ok[path] += client.get(path).status_code == 200
                latencies[path].append(time.monotonic() - started)
    return {
        path: {
            "ok": ok[path],
            "p50": percentile(values, 0.5),
            "p95": percentile(values, 0.95),
            "max": max(values),
        }
        for path, values in latencies.items()
    }


def measure(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="govai-slow-"))
    try:
        with fresh_database(args.database_url, folder, "slow") as url:
            upgrade(url)
            _load(url, folder)
            command = ["platform", "--data-dir", str(folder / "data"), "--database-url", url]
            with server(command, folder / "server.log") as base:
                sample(base, 3)  # warm: templates compiled, connections opened
                alone = sample(base, args.samples)
                with trickling(base, args.slow):
                    time.sleep(1.0)  # every slow client has sent its head
                    slowed = sample(base, args.samples)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    passed = all(
        run[path]["ok"] == args.samples for run in (alone, slowed) for path in PATHS
    ) and all(slowed[path]["max"] < TARGET_SECONDS for path in PATHS)
    database = "PostgreSQL" if args.database_url else "SQLite"
    return {"database": database, "slow": args.slow, "samples": args.samples,
            "alone": alone, "slowed": slowed, "passed": passed}  # fmt: skip


def _load(url: str, folder: Path) -> None:
    """The G7 catalogue, so that the page lists a competition."""
    engine = make_engine(settings_for(folder / "setup", url))
    with new_session(engine, write=True) as session, session.begin():
        load_catalogue(session, path=CATALOGUE, now=datetime.now(UTC), actor="benchmark")
    engine.dispose()


def table(summary: dict[str, Any]) -> str:
    slow = summary["slow"]
    lines = [
        f"{summary['database']}, {summary['samples']} requests per path and phase",
        f"| path | alone p50 / p95 / max | with {slow} slow bodies p50 / p95 / max | ratio p50 |",
        "|---|---:|---:|---:|",
    ]
    for path in PATHS:
        alone, slowed = summary["alone"][path], summary["slowed"][path]
        ratio = slowed["p50"] / alone["p50"] if alone["p50"] else float("inf")
        lines.append(
            f"| {path} | {_ms(alone)} | {_ms(slowed)} | {ratio:.2f} |"
            + ("" if alone["ok"] == slowed["ok"] == summary["samples"] else " (not all 200)")
        )
    verdict = "pass" if summary["passed"] else "fail"
    lines.append(f"target: all 200, max under {TARGET_SECONDS:.0f} s with slow bodies: {verdict}")
    return "\n".join(lines)


def _ms(figures: dict[str, Any]) -> str:
    return " / ".join(f"{figures[k] * 1000:.1f} ms" for k in ("p50", "p95", "max"))


def main(argv: list[str] | None = None) -> int:
    summary = measure(argv)
    print(json.dumps(summary, indent=2) if parse(argv).json else table(summary))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
