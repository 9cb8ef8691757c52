"""Conflicts of interest between a judge and a team: the kinds people declare, and the ones the
platform detects by itself.

A detected conflict excludes the pair from assignment exactly like a declared one (the solver
never offers it an arc). Detection is deliberately broad: a judge who is a member of the team;
a judge and a member who name the same organization (compared without case, accents,
punctuation or a trailing legal form); a judge and a member whose e-mail addresses share a
domain, unless that domain is a public webmail service that strangers share. Each detected
conflict says why, so an organizer can read the reason beside the excluded pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.core.i18n import N_


class ConflictKind(StrEnum):
    """Declared by judges or teams, or detected (the last three)."""

    COLLABORATOR = "collaborator"
    EMPLOYER = "employer"  # employer, or the same organization
    PERSONAL = "personal"  # family or personal relationship
    FINANCIAL = "financial"
    SUPERVISOR = "supervisor"
    OTHER = "other"
    TEAM_MEMBER = "team-member"
    SAME_ORGANIZATION = "same-organization"
    SAME_EMAIL_DOMAIN = "same-email-domain"


DECLARABLE = frozenset(ConflictKind) - {
    ConflictKind.TEAM_MEMBER,
    ConflictKind.SAME_ORGANIZATION,
    ConflictKind.SAME_EMAIL_DOMAIN,
}

KIND_LABELS = {
    ConflictKind.COLLABORATOR: N_("Recent collaborator"),
    ConflictKind.EMPLOYER: N_("Employer or the same organization"),
    ConflictKind.PERSONAL: N_("Family or personal relationship"),
    ConflictKind.FINANCIAL: N_("Financial interest"),
    ConflictKind.SUPERVISOR: N_("Supervisor or supervised"),
    ConflictKind.OTHER: N_("Other"),
    ConflictKind.TEAM_MEMBER: N_("The judge is a member of the team"),
    ConflictKind.SAME_ORGANIZATION: N_("The judge and a member name the same organization"),
    ConflictKind.SAME_EMAIL_DOMAIN: N_("The judge and a member share an e-mail domain"),
}

# Domains of public webmail services: sharing one says nothing about who people work for.
WEBMAIL_DOMAINS = frozenset(
    {
        "aol.com", "gmail.com", "googlemail.com", "gmx.com", "gmx.de", "gmx.fr", "gmx.net",
        "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.it", "icloud.com", "laposte.net",
        "libero.it", "live.ca", "live.com", "live.fr", "mail.com", "me.com", "msn.com",
        "orange.fr", "outlook.com", "outlook.fr", "pm.me", "proton.me", "protonmail.com",
        "sfr.fr", "free.fr", "t-online.de", "tutanota.com", "web.de", "yahoo.ca", "yahoo.co.jp",
        "yahoo.co.uk", "yahoo.com", "yahoo.de", "yahoo.fr", "yahoo.it", "ymail.com", "zoho.com",
    }
)  # fmt: skip

_LEGAL_FORMS = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|corp|corporation|co|gmbh|ag|sa|sas|sarl|srl|spa|"
    r"plc|bv|nv|ltee)$"
)


@dataclass(frozen=True)
class Person:
    user_id: int
    email: str
    organization: str | None = None


@dataclass(frozen=True)
class Detected:
    kind: ConflictKind
    member_id: int  # the member the conflict comes from (the judge themself: TEAM_MEMBER)
    detail: str  # what matched: the organization or the domain, as the judge wrote it


def organization_key(name: str | None) -> str | None:
    """An organization's name for comparing: no case, accents, punctuation or legal form."""
    if not name:
        return None
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    text = _LEGAL_FORMS.sub("", text).strip()
    return text or None


def email_domain(email: str) -> str | None:
    """The address's domain, lower case; None for a public webmail domain."""
    domain = email.rpartition("@")[2].strip().casefold().rstrip(".")
    return None if not domain or domain in WEBMAIL_DOMAINS else domain


def detect(judge: Person, members: Sequence[Person]) -> list[Detected]:
    """Every conflict the platform sees by itself between ``judge`` and a team of ``members``,
    in a stable order (kind, then member)."""
    found = [*_membership(judge, members), *_shared(judge, members)]
    return sorted(set(found), key=lambda d: (list(ConflictKind).index(d.kind), d.member_id))


def _membership(judge: Person, members: Iterable[Person]) -> list[Detected]:
    if any(m.user_id == judge.user_id for m in members):
        return [Detected(ConflictKind.TEAM_MEMBER, judge.user_id, judge.email)]
    return []


def _shared(judge: Person, members: Iterable[Person]) -> list[Detected]:
    organization, domain = organization_key(judge.organization), email_domain(judge.email)
    found: list[Detected] = []
    for member in members:
        if member.user_id == judge.user_id:
            continue
        if organization is not None and organization_key(member.organization) == organization:
            detail = judge.organization or ""
            found.append(Detected(ConflictKind.SAME_ORGANIZATION, member.user_id, detail))
        if domain is not None and email_domain(member.email) == domain:
            found.append(Detected(ConflictKind.SAME_EMAIL_DOMAIN, member.user_id, domain))
    return found
