"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.i18n import N_

MIN_LENGTH = 12  # ASVS 2.1.1, counted with each run of spaces as one
MAX_LENGTH = 128  # ASVS 2.1.2: a passphrase fits; hashing cost grows with length
LENGTH = N_("Use from %(min_length)s to %(max_length)s characters (spaces in a row count as one).")
LENGTH_PARAMS = {"min_length": MIN_LENGTH, "max_length": MAX_LENGTH}
_SPACES = re.compile(r"\s{2,}")


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
    """The message id saying what is wrong with a new password, or None when it will do.

    Any character is allowed (spaces, emoji, every script) and the password is hashed whole,
    never cut: only its length and the address are checked. Its message takes
    ``LENGTH_PARAMS``.
    """
    if len(_SPACES.sub(" ", password)) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return LENGTH
    if password.strip().lower() == email.strip().lower():
        return N_("Your password must not be your e-mail address.")
    return None
