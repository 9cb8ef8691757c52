"""oidc-provider-mock in its own process on 127.0.0.1: a real OpenID provider for tests.

It approves headlessly when ``sub=<subject>`` is POSTed to its authorize URL (answering 302 with
the code); ``PUT /users/<sub>`` sets the claims it will assert for that subject.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.servers import free_port

EXECUTABLE = Path(sys.executable).with_name("oidc-provider-mock")


@contextmanager
def oidc_provider() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(EXECUTABLE), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(
                    f"{issuer}/.well-known/openid-configuration", timeout=1
                ).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("oidc-provider-mock did not start") from None
                time.sleep(0.05)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def set_claims(issuer: str, subject: str, **claims: object) -> None:
    httpx.put(f"{issuer}/users/{subject}", json=claims, timeout=5).raise_for_status()


def approve(authorize_url: str, subject: str) -> str:
    """What a person does at the provider: sign in as ``subject``; returns the redirect back."""
    response = httpx.post(authorize_url, data={"sub": subject}, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["location"]
