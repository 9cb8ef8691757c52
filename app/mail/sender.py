"""The sender thread: delivers the outbox as soon as a request has committed a message (the
request wakes it), and every ``GOVAI_MAIL_RETRY_SECONDS`` what is due for a retry.

One thread sends for the whole process, in batches, so a surge of requests that each queue a
message (three hundred receipts in the last minute) costs a few write transactions, not two
per request. On shutdown it makes a last round, so nothing queued just before is left waiting
for the next start.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from app.core.clock import Clock
from app.core.config import Settings
from app.mail import service

logger = logging.getLogger(__name__)
GATHER_SECONDS = 0.5  # after a wake-up, messages committed meanwhile join the same batch


class Sender:
    def __init__(self, engine: Engine, settings: Settings, clock: Clock) -> None:
        self._engine, self._settings, self._clock = engine, settings, clock
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="govai-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Deliver now: a request has just committed a message."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            if self._wake.wait(self._settings.mail_retry_seconds) and not self._stopping.is_set():
                self._stopping.wait(GATHER_SECONDS)
            self._wake.clear()
            self._deliver_all()
            if self._stopping.is_set():
                return

    def _deliver_all(self) -> None:
        try:
            service.deliver_due(self._engine, self._settings, self._clock)
        except Exception:  # the next round tries again; the thread must not die
            logger.exception("the mail sender's round failed")
