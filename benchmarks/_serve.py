"""The server process of the benchmark: the platform or the baseline under uvicorn, on
127.0.0.1, as ``govai serve`` runs it (one worker unless ``--workers`` says more).

    python -m benchmarks._serve platform|baseline --port P --data-dir D --database-url U \
        [--start-at 2025-12-01T19:59:00+00:00] [--file-bytes N] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from app.core.serving import uvicorn_options
from app.main import create_app
from benchmarks._baseline import create_baseline_app
from benchmarks._setup import settings_for

ARGS = "GOVAI_BENCH_SERVE_ARGS"  # the command line, for the worker processes


class OffsetClock:
    """Real time, shifted: it read ``start`` at the moment ``origin`` (a ``time.time()``) and
    ticks on from there; every worker process given the same pair tells the same time."""

    def __init__(self, start: datetime, origin: float | None = None) -> None:
        self._start = start
        self._origin = time.time() if origin is None else origin

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.time() - self._origin)


def build(args: argparse.Namespace) -> FastAPI:
    settings = settings_for(Path(args.data_dir), args.database_url)
    if args.kind == "baseline":
        return create_baseline_app(settings, args.file_bytes)
    return create_app(settings, OffsetClock(datetime.fromisoformat(args.start_at), args.origin))


def factory() -> FastAPI:
    """The app of one worker process, built from the arguments the parent left in ``ARGS``."""
    return build(parse(json.loads(os.environ[ARGS])))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._serve")
    parser.add_argument("kind", choices=["platform", "baseline"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--start-at", default="2025-12-01T19:59:00+00:00")
    parser.add_argument("--file-bytes", type=int, default=4096)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--origin", type=float, help="when the clock read --start-at (set here)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve as ``govai serve`` does: uvicorn with an app factory, ``--workers`` processes."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    os.environ[ARGS] = json.dumps([*argv, "--origin", str(time.time())])
    uvicorn.run(
        "benchmarks._serve:factory",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        proxy_headers=True,
        **uvicorn_options(settings_for(Path(args.data_dir), args.database_url)),
    )


if __name__ == "__main__":
    main()
