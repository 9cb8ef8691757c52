"""The French catalogue covers every message a person can read, placeholders intact."""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.core.config import ROOT
from app.core.i18n import LOCALES_DIR

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    return {
        messages if isinstance(messages, str) else tuple(messages)
        for _file, _line, messages, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
        )
    }


def _french() -> dict[str | tuple[str, ...], object]:
    with (LOCALES_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        assert not message.fuzzy or not message.id, f"fuzzy: {message.id!r}"
    return {
        (message.id if isinstance(message.id, str) else tuple(message.id)): message.string
        for message in catalog
        if message.id
    }


def test_every_extracted_message_has_a_french_translation() -> None:
    extracted, french = _extracted(), _french()
    assert "Page not found" in extracted and "There is no competition '%(slug)s'." in extracted
    missing = sorted(str(m) for m in extracted if not french.get(m))
    assert missing == []


def test_french_keeps_every_placeholder() -> None:
    for msgid, msgstr in _french().items():
        ids = [msgid] if isinstance(msgid, str) else list(msgid)
        strs = [msgstr] if isinstance(msgstr, str) else list(msgstr)  # type: ignore[call-overload]
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for text in strs:
            assert text, f"empty translation of {msgid!r}"
            assert set(PLACEHOLDER.findall(text)) == expected, msgid
