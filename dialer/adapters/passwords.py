"""Password hashing (argon2id, argon2-cffi's defaults) and temporary passwords."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@functools.cache
def _dummy() -> str:
    """An unusable hash for unknown logins, so a wrong login costs as much time as a wrong
    password (made on first use: importing this module costs nothing)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def verify(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


def temporary() -> str:
    """A one-time password the user must change at first login (12 characters, readable)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))
