"""Checking answers against a competition's form: pure functions, no database, no network.

Drafts are checked for types and limits on every save; required fields only at finalization.
Besides the form's own fields every entry carries the reuse fields (consent to publish, an SPDX
licence identifier, a code repository URL), unless the form defines fields of the same ids.
Links are checked for form only: an https URL, on an allowed host when the form names hosts.
Text is valid Unicode; a text field or link is one line, a long text keeps line breaks and tabs
but no other control character (:mod:`app.core.text`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from app.competitions.catalogue import IMPACT_ANSWERS
from app.competitions.catalogue_schemas import FieldType, FormField, FormFile, ImpactFile, Text
from app.core import text
from app.core.errors import FieldError
from app.core.i18n import N_

MAX_TEXT_CHARS = 20_000
MAX_URL_CHARS = 2_000
# Letters or digits, with apostrophes and hyphens inside a word counted as part of it: the same
# rule in English and French ("l'intelligence", "data-driven", "c'est-à-dire" are one word each).
WORD = re.compile(r"[^\W_]+(?:['’‐‑-][^\W_]+)*")
SPDX_ID = re.compile(r"^(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.+-]{0,63})$")
# The SPDX identifiers accepted for the open catalogue; LicenseRef-* names a custom licence.
SPDX_LICENCES = frozenset(
    {
        "0BSD", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-2.0", "BSD-2-Clause",
        "BSD-3-Clause", "BSL-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "EPL-2.0",
        "EUPL-1.2", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
        "ISC", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
        "MIT", "MIT-0", "MPL-2.0", "OFL-1.1", "Unlicense", "Zlib", "OGL-Canada-2.0",
    }
)  # fmt: skip

CONSENT, LICENCE, REPOSITORY = "consent_to_publish", "licence", "repository_url"
REUSE_FIELDS = (
    FormField(
        id=CONSENT,
        type=FieldType.YES_NO,
        required=False,
        label=Text(en="Consent to publish in the showcase", fr="Consentement à la publication"),
    ),
    FormField(
        id=LICENCE,
        type=FieldType.TEXT,
        required=False,
        label=Text(en="Licence (SPDX identifier)", fr="Licence (identifiant SPDX)"),
    ),
    FormField(
        id=REPOSITORY,
        type=FieldType.URL,
        required=False,
        label=Text(en="Code repository", fr="Dépôt de code"),
    ),
)


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def fields_of(form: FormFile) -> dict[str, FormField]:
    own = {f.id: f for f in form.fields}
    return {**{f.id: f for f in REUSE_FIELDS if f.id not in own}, **own}


def challenge_field(form: FormFile) -> str:
    return next(f.id for f in form.fields if f.type is FieldType.CHALLENGE)


def _check_url(value: str, allowed_hosts: list[str] | None) -> FieldError | None:
    if len(value) > MAX_URL_CHARS:
        return FieldError(N_("Use at most %(max_length)s characters."), max_length=2000)
    parts = urlsplit(value.strip())
    try:
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        host = ""
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return FieldError(N_("Enter an https:// link."))
    if allowed_hosts is not None and host not in {h.lower() for h in allowed_hosts}:
        return FieldError(N_("Use a link on one of: %(hosts)s."), hosts=", ".join(allowed_hosts))
    return None


def check_value(spec: FormField, value: Any, challenges: Collection[str]) -> FieldError | None:
    """The problem with one answer, or None. ``None`` values never reach here."""
    if spec.type is FieldType.YES_NO:
        return None if isinstance(value, bool) else FieldError(N_("Enter true or false."))
    if not isinstance(value, str):
        return FieldError(N_("Enter text."))
    if (kind := text.problem(value, multi_line=spec.type is FieldType.LONG_TEXT)) is not None:
        return FieldError(text.MESSAGES[kind])
    if spec.type is FieldType.CHALLENGE:
        if value not in challenges:
            return FieldError(N_("Choose one of: %(expected)s."), expected=_list(challenges))
        return None
    if spec.type is FieldType.URL:
        return _check_url(value, spec.allowed_hosts)
    if len(value) > MAX_TEXT_CHARS:
        return FieldError(N_("Use at most %(max_length)s characters."), max_length=20000)
    if spec.id == LICENCE and value and (not SPDX_ID.match(value) or not _known_licence(value)):
        return FieldError(N_("Enter an SPDX licence identifier, such as MIT or Apache-2.0."))
    words = count_words(value)
    if spec.max_words is not None and words > spec.max_words:
        return FieldError(
            N_("%(count)s words; at most %(limit)s."), count=words, limit=spec.max_words
        )
    return None


def _known_licence(value: str) -> bool:
    return value in SPDX_LICENCES or value.startswith("LicenseRef-")


def _list(values: Collection[str]) -> str:
    return ", ".join(sorted(values))


def check_impact(questionnaire: ImpactFile, value: Any) -> list[FieldError]:
    """The impact questionnaire's answers: an object of question id -> choice id. A draft may
    leave questions out; a key that is no question or a value that is no choice is refused."""
    if not isinstance(value, dict):
        return [
            FieldError(N_("Enter an object of question ids and choice ids."), field=IMPACT_ANSWERS)
        ]
    questions = {q.id: q for q in questionnaire.questions}
    errors: list[FieldError] = []
    for key in sorted(value):
        field, question = f"{IMPACT_ANSWERS}.{key}", questions.get(key)
        if question is None:
            errors.append(FieldError(N_("This question is not in the questionnaire."), field=field))
        elif value[key] is not None and value[key] not in {c.id for c in question.choices}:
            expected = _list([c.id for c in question.choices])
            errors.append(
                FieldError(N_("Choose one of: %(expected)s."), field=field, expected=expected)
            )
    return errors


def check_answers(
    form: FormFile,
    answers: Mapping[str, Any],
    challenges: Collection[str],
    questionnaire: ImpactFile | None = None,
) -> list[FieldError]:
    """Types and limits of every given answer, and no field the form does not have."""
    fields = fields_of(form)
    errors: list[FieldError] = []
    for key in sorted(answers):
        value = answers[key]
        spec = fields.get(key)
        if key == IMPACT_ANSWERS and questionnaire is not None and spec is None:
            errors.extend(check_impact(questionnaire, value) if value is not None else [])
        elif spec is None:
            errors.append(FieldError(N_("This field is not allowed here."), field=key))
        elif value is not None and (problem := check_value(spec, value, challenges)) is not None:
            errors.append(problem.at(key))
    return errors


def missing_required(
    form: FormFile, answers: Mapping[str, Any], questionnaire: ImpactFile | None = None
) -> list[FieldError]:
    """Required fields without an answer (blank text counts as none), and every question of the
    impact questionnaire left unanswered: checked at finalization."""
    missing = [
        FieldError(N_("This field is required."), field=spec.id)
        for spec in fields_of(form).values()
        if spec.required and _blank(answers.get(spec.id))
    ]
    if questionnaire is not None:
        given = answers.get(IMPACT_ANSWERS)
        given = given if isinstance(given, dict) else {}
        missing += [
            FieldError(N_("Answer this question."), field=f"{IMPACT_ANSWERS}.{q.id}")
            for q in questionnaire.questions
            if given.get(q.id) is None
        ]
    return missing


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def merge_patch(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396 over a flat object: a value replaces, ``null`` removes."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
