"""Local accounts: registration, e-mail verification, sign-in, password change and reset.

Services flush, never commit; every change that matters appends an audit record in the same
transaction. Secrets sent by e-mail are stored as ``token_digest`` hashes only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NoReturn

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from app.access.vocabulary import Role
from app.accounts import lockout, mails
from app.accounts.models import AccountToken, PasswordCredential
from app.accounts.passwords import (
    LENGTH_PARAMS,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.audit import service as audit
from app.core.config import Settings
from app.core.db import keep_through_rollback, pk
from app.core.errors import BadRequest, FieldError, Forbidden
from app.core.i18n import N_
from app.identity import service as identity
from app.identity.models import User

VERIFY_EMAIL, RESET_PASSWORD = "verify_email", "reset_password"


class LinkRefused(BadRequest):
    """An e-mail link that does not exist, was used, or has expired."""

    kind = "link-refused"

    def __init__(self, detail: str, /, *, reason: Literal["unknown", "used", "expired"]) -> None:
        super().__init__(detail)
        self.reason = reason


def check_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise FieldError(N_("Enter a valid e-mail address."), field="email") from exc


def check_new_password(password: str, confirmation: str, *, email: str) -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise FieldError(problem, field="password", **LENGTH_PARAMS)
    if password != confirmation:
        raise FieldError(N_("The two passwords are not the same."), field="password_confirm")


# --- e-mail links -----------------------------------------------------------------------


def issue_link(
    session: Session, *, user: User, purpose: str, lifetime: timedelta, now: datetime
) -> str:
    """A new single-use link secret for ``purpose``; earlier unused ones stop working."""
    for old in _open_links(session, user=user, purpose=purpose):
        old.used_at = now
        session.add(old)
    secret = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=pk(user),
            purpose=purpose,
            token_hash=identity.token_digest(secret),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return secret


def _open_links(session: Session, *, user: User, purpose: str) -> list[AccountToken]:
    query = select(AccountToken).where(
        AccountToken.user_id == user.id,
        AccountToken.purpose == purpose,
        col(AccountToken.used_at).is_(None),
    )
    return list(session.exec(query).all())


def find_link(session: Session, *, secret: str, purpose: str, now: datetime) -> AccountToken:
    """The link row for ``secret`` if it may still be used; raise ``LinkRefused`` otherwise."""
    row = session.exec(
        select(AccountToken).where(
            AccountToken.token_hash == identity.token_digest(secret or ""),
            AccountToken.purpose == purpose,
        )
    ).first()
    if row is None:
        raise LinkRefused(
            N_("This link is not valid. Check that it was copied whole."), reason="unknown"
        )
    if row.used_at is not None:
        raise LinkRefused(N_("This link was already used. Links work only once."), reason="used")
    if row.expires_at <= now:
        raise LinkRefused(N_("This link has expired. Ask for a new one."), reason="expired")
    return row


def _use_link(session: Session, *, secret: str, purpose: str, now: datetime) -> User:
    row = find_link(session, secret=secret, purpose=purpose, now=now)
    row.used_at = now
    session.add(row)
    return identity.get_user(session, user_id=row.user_id)


# --- registration and verification ------------------------------------------------------


def register(
    session: Session,
    *,
    settings: Settings,
    email: str,
    name: str,
    password: str,
    password_confirm: str,
    lang: str,
    now: datetime,
) -> User | None:
    """Create a local account and send its verification link.

    If the address already has an account, that account's owner gets an e-mail saying so and
    nothing is created (None): the page says the same in both cases, so it tells no one which
    addresses have accounts.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise FieldError(N_("Enter your name (at most 200 characters)."), field="name")
    email = check_email(email)
    check_new_password(password, password_confirm, email=email)
    existing = identity.get_user_by_email(session, email=email)
    if existing is not None:
        mails.send_already_registered(session, settings, user=existing, now=now)
        return None
    user = identity.create_user(
        session, email=email, name=name, now=now, actor="anonymous", preferred_language=lang
    )
    session.add(
        PasswordCredential(
            user_id=pk(user),
            password_hash=hash_password(password),
            changed_at=now,
        )
    )
    audit.append(
        session,
        at=now,
        actor=f"user:{user.id}",
        action="user.registered",
        subject=f"user:{user.id}",
        payload={"method": "password"},
    )
    send_verification(session, settings=settings, user=user, now=now)
    return user


def send_verification(session: Session, *, settings: Settings, user: User, now: datetime) -> None:
    lifetime = timedelta(hours=settings.verification_link_hours)
    secret = issue_link(session, user=user, purpose=VERIFY_EMAIL, lifetime=lifetime, now=now)
    mails.send_verification(session, settings, user=user, token=secret, now=now)


def resend_verification(session: Session, *, settings: Settings, email: str, now: datetime) -> None:
    """A new verification link, if the address has an unverified account (silently not else)."""
    user = identity.get_user_by_email(session, email=email)
    if user is not None and user.email_verified_at is None and user.is_active:
        send_verification(session, settings=settings, user=user, now=now)


def verify_email(session: Session, *, secret: str, now: datetime) -> User:
    user = _use_link(session, secret=secret, purpose=VERIFY_EMAIL, now=now)
    if user.email_verified_at is None:
        _mark_verified(session, user=user, now=now)
    session.flush()
    return user


def _mark_verified(session: Session, *, user: User, now: datetime) -> None:
    user.email_verified_at, user.updated_at = now, now
    session.add(user)
    audit.append(
        session,
        at=now,
        actor=f"user:{user.id}",
        action="user.email_verified",
        subject=f"user:{user.id}",
    )


# --- passwords --------------------------------------------------------------------------


def request_password_reset(
    session: Session, *, settings: Settings, email: str, now: datetime
) -> None:
    """Mail a reset link if the address has an active account; nothing tells whether it has."""
    user = identity.get_user_by_email(session, email=email)
    if user is None or not user.is_active:
        return
    lifetime = timedelta(minutes=settings.reset_link_minutes)
    secret = issue_link(session, user=user, purpose=RESET_PASSWORD, lifetime=lifetime, now=now)
    mails.send_reset(session, settings, user=user, token=secret, now=now)


def reset_password(
    session: Session,
    *,
    settings: Settings,
    secret: str,
    password: str,
    password_confirm: str,
    now: datetime,
) -> User:
    """Set a new password with a reset link (once). The link proves the address, so it is
    verified too; every session of the account ends; the person is told by mail. Audited."""
    row = find_link(session, secret=secret, purpose=RESET_PASSWORD, now=now)
    user = identity.get_user(session, user_id=row.user_id)
    check_new_password(password, password_confirm, email=user.email)
    row.used_at = now
    session.add(row)
    if user.email_verified_at is None:
        _mark_verified(session, user=user, now=now)
    set_password(session, user=user, password=password, now=now, action="user.password_reset")
    identity.end_sessions(session, user=user, now=now, actor=f"user:{user.id}")
    mails.send_password_changed(session, settings, user=user, now=now)
    return user


def set_password(
    session: Session,
    *,
    user: User,
    password: str,
    now: datetime,
    action: str,
    must_change: bool = False,
    actor: str | None = None,
) -> None:
    credential = session.get(PasswordCredential, user.id) or PasswordCredential(
        user_id=pk(user),
        changed_at=now,
    )
    credential.password_hash = hash_password(password)
    credential.must_change_password = must_change
    credential.changed_at = now
    session.add(credential)
    audit.append(
        session, at=now, actor=actor or f"user:{user.id}", action=action, subject=f"user:{user.id}"
    )
    session.flush()


def change_password(
    session: Session,
    *,
    settings: Settings,
    user: User,
    current: str | None,
    password: str,
    password_confirm: str,
    now: datetime,
) -> None:
    """Change one's password; ``current`` is None only when a one-time password was just used.
    Every session of the account ends (a page that keeps the person signed in starts a new
    one); the person is told by mail, queued with the change (a refused change sends nothing)."""
    credential = session.get(PasswordCredential, user.id)
    if current is not None and (
        credential is None or not verify_password(credential.password_hash, current)
    ):
        raise FieldError(N_("Your current password is not right."), field="current_password")
    check_new_password(password, password_confirm, email=user.email)
    set_password(session, user=user, password=password, now=now, action="user.password_changed")
    identity.end_sessions(session, user=user, now=now, actor=f"user:{user.id}")
    mails.send_password_changed(session, settings, user=user, now=now)


def has_password(session: Session, *, user: User) -> bool:
    credential = session.get(PasswordCredential, user.id)
    return credential is not None and credential.password_hash is not None


# --- sign-in ----------------------------------------------------------------------------


VERIFY_FIRST = N_("Confirm your e-mail address first: open the link we sent you.")


class SignInRefused(BadRequest):
    kind, title = "sign-in-refused", N_("Sign-in refused")


class UnverifiedSignIn(Forbidden):
    kind, title = "email-unverified", N_("E-mail address not confirmed")


@dataclass(frozen=True)
class SignIn:
    outcome: Literal["signed_in", "must_change_password"]
    user: User


def sign_in(
    session: Session, *, settings: Settings, email: str, password: str, now: datetime
) -> SignIn:
    """Check an e-mail and password; refuse (raise) unless they sign someone in.

    ``TooManyRequests`` while the address is locked; ``SignInRefused`` for a wrong e-mail or
    password, which counts toward the lockout through the request's rollback (the count is kept
    with ``keep_through_rollback``); ``UnverifiedSignIn`` for an address not yet confirmed. A
    one-time password works once, within ``settings.one_time_password_hours`` of being made: it
    is spent here, and the person must set a new password before the account can be used. Once
    expired it signs no one in.
    """
    email = email.strip().lower()
    lockout.check(session, email=email, now=now)
    user = identity.get_user_by_email(session, email=email)
    credential = session.get(PasswordCredential, user.id) if user else None
    stored = credential.password_hash if credential else None
    if user is None or not user.is_active or not verify_password(stored, password):
        _count_failure(session, email=email, user=user, settings=settings, now=now)
    assert user is not None and credential is not None and stored is not None
    lockout.clear(session, email=email)
    if credential.must_change_password and _expired(credential, settings=settings, now=now):
        raise SignInRefused(ONE_TIME_EXPIRED, hours=settings.one_time_password_hours)
    if credential.must_change_password:
        credential.password_hash = None  # spent
        session.add(credential)
        session.flush()
        return SignIn("must_change_password", user)
    if user.email_verified_at is None:
        raise UnverifiedSignIn(VERIFY_FIRST)
    if needs_rehash(stored):
        credential.password_hash = hash_password(password)
        session.add(credential)
    return SignIn("signed_in", user)


ONE_TIME_EXPIRED = N_(
    "This one-time password has expired: it worked for %(hours)s hours after it was made. "
    "Ask an administrator for a new one: the command govai admin create makes another."
)


def _count_failure(
    session: Session, *, email: str, user: User | None, settings: Settings, now: datetime
) -> NoReturn:
    """Count a wrong e-mail or password toward the lockout, kept through the refusal."""
    locked: list[datetime | None] = [None]

    def count(session: Session) -> None:
        user_id = user.id if user else None
        locked[0] = lockout.record_failure(
            session, email=email, user_id=user_id, now=now, settings=settings
        )

    keep_through_rollback(session, count)
    if locked[0] is not None:
        raise SignInRefused(
            N_(
                "The e-mail address or the password is not right. After too many "
                "failed attempts, this account is locked for a while."
            )
        )
    raise SignInRefused(N_("The e-mail address or the password is not right."))


def _expired(credential: PasswordCredential, *, settings: Settings, now: datetime) -> bool:
    return credential.changed_at + timedelta(hours=settings.one_time_password_hours) <= now


# --- the first admin --------------------------------------------------------------------


def create_admin(
    session: Session, *, email: str, name: str | None, now: datetime, actor: str
) -> tuple[User, str]:
    """Create (or promote) an admin with a one-time password that must be changed at first
    sign-in. Returns the user and the password, to show once. Audited."""
    email = check_email(email)
    user = identity.get_user_by_email(session, email=email)
    if user is None:
        user = identity.create_user(
            session, email=email, name=name or email, now=now, actor=actor, verified=True
        )
    elif user.email_verified_at is None:
        user.email_verified_at = now
        session.add(user)
    identity.grant_role(session, user=user, role=Role.ADMIN, competition=None, now=now, actor=actor)
    one_time = secrets.token_urlsafe(18)
    set_password(
        session,
        user=user,
        password=one_time,
        now=now,
        must_change=True,
        action="user.one_time_password_issued",
        actor=actor,
    )
    return user, one_time
