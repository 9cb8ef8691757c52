"""Canonical JSON: the one text that receipts, the audit chain and idempotency keys hash.

Keys sorted, no spaces, non-ASCII characters as themselves, encoded in UTF-8: the recipe a
receipt publishes, so anyone can recompute a digest. Changing it would change every stored
digest: receipts and the audit chain would no longer verify.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(data: Any) -> str:
    """``data`` as canonical JSON text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(data: Any) -> str:
    """The hex SHA-256 of ``data``'s canonical JSON in UTF-8."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()
