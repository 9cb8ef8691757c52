"""Text a person typed, checked once for what no field may hold.

Every text must encode to UTF-8: a lone surrogate (``"\\ud800"`` in JSON) is refused, as it
would fail later at the database, in a hash or in the response. A single-line text (a name, a
title, a label) holds no control character at all (C0, DEL, C1) nor a line or paragraph
separator, so it can go into an e-mail header or a log line as it is. A multi-line text keeps
line feeds and tabs (a carriage return before a line feed is a line break too) and nothing else
of those. Schemas use ``SingleLine`` and ``MultiLine``; other code calls ``problem``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.core.i18n import N_

SURROGATE = "invalid_unicode"
CONTROL_SINGLE = "single_line"
CONTROL_MULTI = "control_character"
MESSAGES = {
    SURROGATE: N_("The text is not valid Unicode: remove the lone surrogate."),
    CONTROL_SINGLE: N_("Use one line of text, without line breaks or control characters."),
    CONTROL_MULTI: N_("Remove the control characters: only line breaks and tabs are allowed."),
}
"""Each kind of problem in words a person reads (message ids of the catalogue)."""
_SEPARATORS = frozenset("\u2028\u2029")
_KEPT_IN_MULTI_LINE = frozenset("\n\t")
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def encodes(value: str) -> bool:
    """Whether ``value`` encodes to UTF-8 (it holds no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problem(value: str, *, multi_line: bool = False) -> str | None:
    """The kind of problem with ``value`` (``SURROGATE``, ``CONTROL_SINGLE``, ``CONTROL_MULTI``),
    or None when it may be stored."""
    if not encodes(value):
        return SURROGATE
    if multi_line:
        value = value.replace("\r\n", "\n")
        bad = any(_control(c) and c not in _KEPT_IN_MULTI_LINE for c in value)
        return CONTROL_MULTI if bad else None
    return CONTROL_SINGLE if any(_control(c) or c in _SEPARATORS for c in value) else None


def _control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def one_line(value: str) -> str:
    """``value`` with every run of control characters and line breaks made one space: for a
    text stored before these checks that now goes where a line break would do harm."""
    return " ".join(_BREAKS.split(value)).strip()


def refuse(kind: str, message: str | None = None, **params: Any) -> PydanticCustomError:
    """The validation error ``kind``, worded by the catalogue message id ``message`` (by default
    ``MESSAGES[kind]``) with ``params``: ``app.core.errors`` translates it whole. ``kind`` is
    none of pydantic's own error types; ``message`` holds no braces (pydantic's placeholders)."""
    return PydanticCustomError(kind, message or MESSAGES[kind], params)


def not_blank(value: str | None) -> str | None:
    """``value`` stripped; a text of spaces only is refused, None stays None."""
    if value is None:
        return None
    if not (value := value.strip()):
        raise refuse("blank", N_("This field must not be blank."))
    return value


def _single_line(value: str) -> str:
    if (kind := problem(value)) is not None:
        raise refuse(kind)
    return value


def _multi_line(value: str) -> str:
    if (kind := problem(value, multi_line=True)) is not None:
        raise refuse(kind)
    return value


def _unicode(value: Any) -> Any:
    """Every string in a JSON value (keys included) encodes to UTF-8."""
    if isinstance(value, str):
        if not encodes(value):
            raise refuse(SURROGATE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _unicode(key)
            _unicode(item)
    elif isinstance(value, list):
        for item in value:
            _unicode(item)
    return value


SingleLine = Annotated[str, AfterValidator(_single_line)]
"""A name, title or label: no control character, no line break, valid Unicode."""
MultiLine = Annotated[str, AfterValidator(_multi_line)]
"""A reason or description: line breaks and tabs, no other control character, valid Unicode."""
UnicodeKey = Annotated[str, AfterValidator(_unicode)]
"""A key of a free-form JSON object: valid Unicode."""
UnicodeJson = Annotated[Any, AfterValidator(_unicode)]
"""A free-form JSON value whose every string (and key) is valid Unicode."""
