"""The RS256 signing keys, kept in ``<data dir>/oauth-keys.json`` (mode 600).

The file holds every key still published: the one that signs (``signing``) and older ones that
only verify, so that tokens signed before a rotation stay valid until they expire. A key is
generated on first use; writes are atomic (a temporary file, then a rename), and the first
generation never overwrites a file another process created meanwhile.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from app.core import files
from app.core.clock import SystemClock
from app.core.config import Settings

ALGORITHM = "RS256"
KEY_FILE = "oauth-keys.json"
_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int, int], KeyRing]] = {}


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    key: RSAKey
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class KeyRing:
    signing_kid: str
    entries: tuple[KeyEntry, ...]

    @property
    def signing(self) -> KeyEntry:
        return next(entry for entry in self.entries if entry.kid == self.signing_kid)

    def find(self, kid: str | None) -> RSAKey | None:
        return next((entry.key for entry in self.entries if entry.kid == kid), None)

    def public_jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    **entry.key.as_dict(private=False),
                    "kid": entry.kid,
                    "use": "sig",
                    "alg": ALGORITHM,
                }
                for entry in self.entries
            ]
        }


def key_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def keyring(settings: Settings) -> KeyRing:
    """The published keys, generating the first one if there is none yet."""
    with _lock:
        return _load(settings)


def rotate(settings: Settings, *, now: datetime) -> KeyRing:
    """A new key signs from now on; the previous ones stay published, marked retired."""
    with _lock:
        current = _load(settings)
        fresh = _new_entry(now)
        retired = tuple(
            entry if entry.retired_at else _retire(entry, now) for entry in current.entries
        )
        ring = KeyRing(signing_kid=fresh.kid, entries=(fresh, *retired))
        _replace(key_path(settings), ring)
        return ring


def prune(settings: Settings, *, now: datetime, older_than: timedelta) -> list[str]:
    """Stop publishing keys retired longer ago than ``older_than``; returns their kids.

    Tokens they signed fail with "unknown key" afterwards, so ``older_than`` should exceed the
    access token lifetime.
    """
    with _lock:
        current = _load(settings)
        gone = [e.kid for e in current.entries if e.retired_at and e.retired_at <= now - older_than]
        kept = tuple(entry for entry in current.entries if entry.kid not in gone)
        if gone:
            _replace(key_path(settings), KeyRing(current.signing_kid, kept))
        return gone


def _load(settings: Settings) -> KeyRing:
    path = key_path(settings)
    if not path.exists():
        files.publish_once(path, _serialize(_new_ring(SystemClock().now())))
    return _read(path)


def _retire(entry: KeyEntry, now: datetime) -> KeyEntry:
    return KeyEntry(entry.kid, entry.key, entry.created_at, now)


def _new_entry(now: datetime) -> KeyEntry:
    key = RSAKey.generate_key(2048)
    return KeyEntry(kid=key.thumbprint(), key=key, created_at=now, retired_at=None)


def _new_ring(now: datetime) -> KeyRing:
    entry = _new_entry(now)
    return KeyRing(signing_kid=entry.kid, entries=(entry,))


def _serialize(ring: KeyRing) -> str:
    return json.dumps(
        {
            "signing": ring.signing_kid,
            "keys": [
                {
                    "kid": e.kid,
                    "jwk": e.key.as_dict(private=True),
                    "created_at": e.created_at.isoformat(),
                    "retired_at": e.retired_at.isoformat() if e.retired_at else None,
                }
                for e in ring.entries
            ],
        },
        indent=2,
    )


def _parse(text: str) -> KeyRing:
    data = json.loads(text)
    entries = tuple(
        KeyEntry(
            kid=item["kid"],
            key=RSAKey.import_key(item["jwk"]),
            created_at=datetime.fromisoformat(item["created_at"]),
            retired_at=datetime.fromisoformat(item["retired_at"]) if item["retired_at"] else None,
        )
        for item in data["keys"]
    )
    return KeyRing(signing_kid=data["signing"], entries=entries)


def _read(path: Path) -> KeyRing:
    """Parse the file, once per version of it (a rotation by the CLI is seen at once)."""
    stat = path.stat()
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached and cached[0] == version:
        return cached[1]
    ring = _parse(path.read_text())
    _cache[path] = (version, ring)
    return ring


def _replace(path: Path, ring: KeyRing) -> None:
    files.replace(path, _serialize(ring))
