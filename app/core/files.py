"""Small files the platform writes whole: a secret, a key ring. Readers never see half a file,
and workers that start together agree on one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def private_temporary(path: Path, text: str) -> Path:
    """``text`` in a new file beside ``path``, readable by its owner only (mkstemp's mode 600),
    flushed to disk; the caller renames or links it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(name)


def publish_once(path: Path, text: str) -> None:
    """Create ``path`` holding ``text`` unless it exists. When several processes race, the first
    link wins (a link fails if the name exists) and every one of them then reads that file."""
    temporary = private_temporary(path, text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def replace(path: Path, text: str) -> None:
    """Put ``text`` at ``path`` in one step: readers see the old file or the new one."""
    os.replace(private_temporary(path, text), path)
