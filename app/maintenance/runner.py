"""The sweeper thread: runs the retention sweep every ``GOVAI_SWEEP_EVERY_HOURS`` in the server
process (0: never).

The first round comes one interval after the start, not at the start: a server that restarts
often (and every test that starts an application) does no surprise deletion on its way up, and
``govai sweep`` is there to sweep now. A failed round is logged and the next one tries again.
With several workers each runs its own sweeper; rounds that overlap delete the same rows, and
the conditions make that harmless.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import new_session
from app.maintenance import service

logger = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, engine: Engine, settings: Settings, clock: Clock) -> None:
        self._engine, self._settings, self._clock = engine, settings, clock
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="govai-sweep", daemon=True)
        self.rounds = 0  # completed rounds, for the curious (and the tests)

    @property
    def interval_seconds(self) -> float:
        return self._settings.sweep_every_hours * 3600

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        """Start the thread, unless the sweep is turned off (``sweep_every_hours`` = 0)."""
        if self.interval_seconds > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_seconds):
            self._sweep_once()

    def _sweep_once(self) -> None:
        try:
            with new_session(self._engine, write=True) as session, session.begin():
                deleted = service.sweep(session, now=self._clock.now(), settings=self._settings)
        except Exception:  # the next round tries again; the thread must not die
            logger.exception("the retention sweep failed")
            return
        self.rounds += 1
        if any(deleted.values()):
            logger.info("retention sweep: %s", deleted)
