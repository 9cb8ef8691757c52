"""The server process of the benchmark: the platform or the baseline under uvicorn, one worker,
on 127.0.0.1, as ``govai serve`` runs it.

    python -m benchmarks._serve platform|baseline --port P --data-dir D --database-url U \
        [--start-at 2025-12-01T19:59:00+00:00] [--file-bytes N]
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from app.main import create_app
from benchmarks._baseline import create_baseline_app
from benchmarks._setup import settings_for


class OffsetClock:
    """Real time, shifted: it reads ``start`` when made and ticks on from there."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


def build(args: argparse.Namespace) -> FastAPI:
    settings = settings_for(Path(args.data_dir), args.database_url)
    if args.kind == "baseline":
        return create_baseline_app(settings, args.file_bytes)
    return create_app(settings, OffsetClock(datetime.fromisoformat(args.start_at)))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._serve")
    parser.add_argument("kind", choices=["platform", "baseline"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--start-at", default="2025-12-01T19:59:00+00:00")
    parser.add_argument("--file-bytes", type=int, default=4096)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    config = uvicorn.Config(
        build(args), host="127.0.0.1", port=args.port, log_level="warning", proxy_headers=True
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
