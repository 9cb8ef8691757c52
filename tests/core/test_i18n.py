from hypothesis import given
from hypothesis import strategies as st

from app.core.i18n import LANGUAGES, gettext, negotiate, parse_accept_language


def test_query_then_cookie_then_header() -> None:
    assert negotiate("fr", "en", "en") == "fr"
    assert negotiate(None, "fr", "en") == "fr"
    assert negotiate(None, None, "fr-CA,fr;q=0.9,en;q=0.8") == "fr"
    assert negotiate("de", None, None) == "en"
    assert negotiate("xx", "zz", "de-DE") == "en"


def test_quality_values_rank_languages() -> None:
    assert parse_accept_language("en;q=0.5, fr;q=0.8") == "fr"
    assert parse_accept_language("fr;q=0, en") == "en"
    assert parse_accept_language("de, *;q=0.1") is None


@given(st.text())
def test_any_header_gives_a_supported_language(header: str) -> None:
    assert negotiate(None, None, header) in LANGUAGES


def test_french_catalogue_translates_error_titles() -> None:
    assert gettext("fr", "Not found") != "Not found"
    assert gettext("en", "Not found") == "Not found"
