"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing cost grows with length; nobody types more


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@cache
def _decoy_hash() -> str:
    return hasher().hash("not a password anyone has: evens out the time of a miss")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash still costs one verification."""
    try:
        return hasher().verify(stored_hash or _decoy_hash(), password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


def password_problem(password: str, *, email: str) -> str | None:
    """The message id saying what is wrong with a new password, or None when it will do."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 12 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 1024 characters.")
    if password.strip().lower() == email.strip().lower():
        return N_("Your password must not be your e-mail address.")
    return None
