"""The form's rules as pure functions: words, types, links, unknown and required fields."""

from __future__ import annotations

import pytest

from app.competitions.catalogue_schemas import FormFile
from app.submissions import validation
from app.submissions.validation import check_answers, count_words, missing_required

FORM = FormFile.model_validate(
    {
        "fields": [
            {"id": "title", "type": "text", "max_words": 10, "label": {"en": "T", "fr": "T"}},
            {"id": "challenge", "type": "challenge", "label": {"en": "C", "fr": "C"}},
            {"id": "ok", "type": "yes_no", "label": {"en": "Y", "fr": "O"}},
            {
                "id": "video",
                "type": "url",
                "allowed_hosts": ["youtube.com", "www.youtube.com", "youtu.be"],
                "label": {"en": "V", "fr": "V"},
            },
            {
                "id": "notes",
                "type": "long_text",
                "required": False,
                "label": {"en": "N", "fr": "N"},
            },
        ]
    }
)
SLUGS = {"information-volume", "navigating-rules"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("Data-driven triage of public mail", 5),
        ("l'intelligence artificielle au service de l'État", 6),
        ("C'est-à-dire : une IA « responsable » — vraiment ?", 5),
        ("aujourd’hui, l’équipe", 2),
        ("We don't   guess; 24 hours, 7 days", 7),
        ("   -- ' - ", 0),
    ],
)
def test_words_are_counted_the_same_way_in_english_and_french(text: str, words: int) -> None:
    assert count_words(text) == words


def test_a_word_limit_says_by_how_much() -> None:
    [error] = check_answers(
        FORM, {"title": "un deux trois quatre cinq six sept huit neuf dix onze douze"}, SLUGS
    )
    assert error.field == "title" and dict(error.params) == {"count": 12, "limit": 10}
    french = "l'intelligence artificielle d'aujourd'hui, c'est-à-dire l'État data-driven"
    assert count_words(french) == 6 and check_answers(FORM, {"title": french}, SLUGS) == []


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.youtube.com/watch?v=x", True),
        ("https://youtu.be/x", True),
        ("https://YouTube.com/x", True),
        ("http://www.youtube.com/watch?v=x", False),
        ("https://evil.example/youtube.com", False),
        ("https://www.youtube.com.evil.example/x", False),
        ("https://www.youtube.com@evil.example/x", False),
        ("https://user@www.youtube.com/x", False),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("https://www.youtube.com:notaport/x", False),
    ],
)
def test_links_are_checked_for_form_and_host(url: str, ok: bool) -> None:
    assert (check_answers(FORM, {"video": url}, SLUGS) == []) is ok


def test_types_unknown_fields_and_challenges() -> None:
    errors = check_answers(
        FORM,
        {"ok": "yes", "title": 3, "challenge": "nope", "extra": "x", "notes": None},
        SLUGS,
    )
    assert [e.field for e in errors] == ["challenge", "extra", "ok", "title"]


def test_reuse_fields_are_part_of_every_form() -> None:
    good = {
        "consent_to_publish": True,
        "licence": "Apache-2.0",
        "repository_url": "https://github.com/a/b",
    }
    assert check_answers(FORM, good, SLUGS) == []
    bad = {"consent_to_publish": "yes", "licence": "Apache 2", "repository_url": "ftp://x.org/a"}
    assert [e.field for e in check_answers(FORM, bad, SLUGS)] == list(sorted(bad))
    assert check_answers(FORM, {"licence": "LicenseRef-Crown"}, SLUGS) == []


def test_required_fields_are_checked_at_finalization_only() -> None:
    missing = missing_required(FORM, {"title": "  ", "ok": False})
    assert [e.field for e in missing] == ["title", "challenge", "video"]
    assert validation.merge_patch({"a": 1, "b": 2}, {"a": None, "c": 3}) == {"b": 2, "c": 3}
