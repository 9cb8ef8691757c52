"""Attachment files: streamed to a temporary file under a size limit, typed by content, then
moved into a content-addressed store.

The store is ``<data_dir>/attachments/<sha[:2]>/<sha>``; temporary files are written beside it
in ``<data_dir>/attachments/tmp/`` (same file system, so the final ``os.replace`` is atomic).
A refused upload (too large, wrong kind) deletes its temporary file: nothing is left behind.

Order of writes: the file is made durable (``fsync``, ``os.replace``) *before* the database row
is inserted in the request's transaction. If that transaction then fails, the blob stays as an
unreferenced content-addressed file, which is harmless (same bytes, same name; a later upload
of the same bytes reuses it) and is removed by :func:`sweep`; the opposite, a row naming a
missing file, cannot happen.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.core.errors import AppError, UnsupportedMediaType
from app.core.i18n import N_

CHUNK = 64 * 1024
SNIFF = 16
# Magic bytes per kind: the only thing that decides a file's type (never its name nor the
# content type the client declared).
MAGIC: dict[str, tuple[bytes, str]] = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "zip": (b"PK\x03\x04", "application/zip"),
}


class TooLarge(AppError):
    status, kind, title = 413, "content-too-large", N_("Content too large")


class UnsupportedType(UnsupportedMediaType):
    """A file whose first bytes are none of the competition's allowed kinds."""


@dataclass(frozen=True)
class Room:
    """What is left of an entry's total: ``left`` bytes of ``limit``."""

    limit: int
    left: int

    def refusal(self) -> TooLarge:
        return TooLarge(
            N_(
                "An entry's files may hold at most %(limit)s bytes (%(mib)s MiB) in all; "
                "%(left)s bytes are left: remove a file first."
            ),
            limit=self.limit,
            mib=round(self.limit / 1048576, 2),
            left=max(0, self.left),
        )


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    kind: str
    media_type: str
    storage_key: str


def root(data_dir: Path) -> Path:
    return data_dir / "attachments"


def path_of(data_dir: Path, storage_key: str) -> Path:
    return root(data_dir) / storage_key


def kind_of(head: bytes) -> str | None:
    for kind, (magic, _) in MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def display_name(name: str | None) -> str:
    """A name safe to show and to put in a header: no folders, no control characters."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    return cleaned[:255] or "attachment"


def _refuse_kind(allowed: list[str]) -> UnsupportedType:
    return UnsupportedType(
        N_("Only these kinds of file are accepted, checked by their content: %(kinds)s."),
        kinds=", ".join(allowed),
    )


def store(
    source: BinaryIO,
    *,
    data_dir: Path,
    max_bytes: int,
    allowed: list[str],
    room: Room | None = None,
) -> Stored:
    """Copy ``source`` in chunks into the store while hashing it; refuse (413/415) as soon as
    the file's limit or the entry's ``room`` is passed or the first bytes are not an allowed
    kind, leaving nothing behind."""
    tmp_dir = root(data_dir) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    tmp = Path(tmp_name)
    try:
        digest, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        N_("A file may be at most %(limit)s bytes (%(mib)s MiB)."),
                        limit=max_bytes,
                        mib=round(max_bytes / 1048576, 2),
                    )
                if room is not None and size > room.left:
                    raise room.refusal()
                if len(head) < SNIFF:
                    head += chunk[: SNIFF - len(head)]
                digest.update(chunk)
                out.write(chunk)
            kind = kind_of(head)
            if kind is None or kind not in allowed:
                raise _refuse_kind(allowed)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        key = f"{sha[:2]}/{sha}"
        final = path_of(data_dir, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # the same bytes are already stored: keep that file, freshly dated
            os.utime(final)  # so a sweep (which spares recent files) cannot take it meanwhile
            tmp.unlink()
        else:
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        return Stored(sha256=sha, size=size, kind=kind, media_type=MAGIC[kind][1], storage_key=key)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Swept:
    blobs: list[str]  # storage keys removed (or, dry, to remove)
    temporary: list[str]  # names in tmp/ removed
    kept: int  # blobs kept


def sweep(data_dir: Path, *, keep: Collection[str], before: float, dry_run: bool = False) -> Swept:
    """Remove blobs whose SHA-256 is not in ``keep`` and leftover temporary files, both only
    when last modified before ``before`` (a POSIX time): an upload in flight, or one that has
    just reused a blob, is never touched. Returns what was (or, dry, would be) removed."""
    blobs: list[str] = []
    temporary: list[str] = []
    kept = 0
    for path in sorted(root(data_dir).glob("*/*")):
        if not path.is_file():
            continue
        is_temporary = path.parent.name == "tmp"
        if path.stat().st_mtime >= before or (not is_temporary and path.name in keep):
            kept += not is_temporary
            continue
        if is_temporary:
            temporary.append(path.name)
        else:
            blobs.append(f"{path.parent.name}/{path.name}")
        if not dry_run:
            path.unlink(missing_ok=True)
    return Swept(blobs, temporary, kept)
