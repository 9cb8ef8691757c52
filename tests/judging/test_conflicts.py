"""Detected conflicts of interest: membership, the same organization, the same e-mail domain
(never a public webmail one), each with its reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.judging.conflicts import (
    DECLARABLE,
    KIND_LABELS,
    WEBMAIL_DOMAINS,
    ConflictKind,
    Detected,
    Person,
    detect,
    email_domain,
    organization_key,
)

JUDGE = Person(1, "jude@tbs-sct.gc.ca", "Treasury Board Secretariat")


def test_a_judge_in_the_team_is_in_conflict_with_it() -> None:
    found = detect(JUDGE, [Person(2, "ada@example.org"), JUDGE])
    assert Detected(ConflictKind.TEAM_MEMBER, 1, "jude@tbs-sct.gc.ca") in found


def test_the_same_organization_however_it_is_written() -> None:
    judge = Person(1, "j@a.example", "Ville de Montréal")
    member = Person(2, "m@b.example", "  VILLE DE MONTREAL ")
    assert detect(judge, [member]) == [
        Detected(ConflictKind.SAME_ORGANIZATION, 2, "Ville de Montréal")
    ]
    assert organization_key("Acme Inc.") == organization_key("acme") == "acme"
    assert organization_key("Acme Robotics") != organization_key("Acme")
    assert organization_key("  ") is None and organization_key(None) is None


def test_the_same_email_domain_but_never_a_webmail_one() -> None:
    colleague = Person(2, "Max@TBS-SCT.gc.ca", None)
    assert detect(JUDGE, [colleague]) == [
        Detected(ConflictKind.SAME_EMAIL_DOMAIN, 2, "tbs-sct.gc.ca")
    ]
    webmail = Person(1, "jude@gmail.com"), Person(2, "ada@gmail.com")
    assert detect(webmail[0], [webmail[1]]) == []
    assert email_domain("someone@ssc-spc.gc.ca") != email_domain("jude@tbs-sct.gc.ca")


def test_every_reason_is_listed_once_in_a_stable_order() -> None:
    members = [Person(3, "b@tbs-sct.gc.ca", "Treasury Board Secretariat"), JUDGE]
    kinds = [(d.kind, d.member_id) for d in detect(JUDGE, members)]
    assert kinds == [
        (ConflictKind.TEAM_MEMBER, 1),
        (ConflictKind.SAME_ORGANIZATION, 3),
        (ConflictKind.SAME_EMAIL_DOMAIN, 3),
    ]
    assert set(KIND_LABELS) == set(ConflictKind)
    assert ConflictKind.TEAM_MEMBER not in DECLARABLE and ConflictKind.FINANCIAL in DECLARABLE


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(WEBMAIL_DOMAINS)), st.text(max_size=8)),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(sorted(WEBMAIL_DOMAINS)),
)
def test_people_on_webmail_with_other_organizations_are_never_detected(
    members: list[tuple[str, str]], domain: str
) -> None:
    judge = Person(0, f"judge@{domain}", "Judges of nowhere")
    team = [Person(i + 1, f"m{i}@{d}", f"Team {name} {i}") for i, (d, name) in enumerate(members)]
    assert detect(judge, team) == []
