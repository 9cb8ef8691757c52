"""Waiting for what the server does just after it answers (e-mail is sent by a thread once the
request has committed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 10.0) -> T:
    """``check()``'s first truthy result, polling until ``timeout`` seconds; its last otherwise."""
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return result
