"""The owner's password: rules, generation, and its scrypt hash in ``meta``."""

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from ..core.db import immediate, read_meta, write_meta

HASH_META_KEY = "owner_password_hash"
# NIST SP 800-63B asks for at least 15 characters when a password is the
# only factor; a few unrelated words get there and are easy to remember.
MIN_PASSWORD_LENGTH = 15
MAX_PASSWORD_LENGTH = 256
# Generated passwords: no look-alike characters, grouped for typing on a phone.
GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GENERATED_GROUPS = 5
GENERATED_GROUP_LENGTH = 4


class PasswordError(ValueError):
    """The proposed password breaks a rule; the message says which."""


# --- The password ------------------------------------------------------------


def check_new_password(password):
    """Raise PasswordError unless ``password`` is acceptable as the owner's."""
    if not password or not password.strip():
        raise PasswordError("The password is empty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} "
            "characters (four unrelated words make a good one)."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(
            f"The password is too long: use at most {MAX_PASSWORD_LENGTH} characters."
        )


def password_is_set(db):
    """True when the owner has a password."""
    return _password_hash(db) is not None


def set_password(db, password):
    """Store the hash of a new owner password and end every open session."""
    check_new_password(password)
    hashed = generate_password_hash(password)
    with immediate(db):
        write_meta(db, HASH_META_KEY, hashed)
        # A new password signs the owner out everywhere.
        db["owner_sessions"].delete_where()


def set_password_if_missing(db):
    """Generate, store and return a password if none is set; else return None."""
    password = generate_password()
    hashed = generate_password_hash(password)
    with immediate(db):
        if _password_hash(db) is not None:
            return None
        db["meta"].insert({"key": HASH_META_KEY, "value": hashed})
    return password


def generate_password():
    """A random password of about 99 bits, easy to type: ``abcd-efgh-...``."""
    groups = [
        "".join(
            secrets.choice(GENERATED_ALPHABET) for _ in range(GENERATED_GROUP_LENGTH)
        )
        for _ in range(GENERATED_GROUPS)
    ]
    return "-".join(groups)


def verify_password(db, password):
    """True when ``password`` is the owner's password."""
    hashed = _password_hash(db)
    if hashed is None or not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    return check_password_hash(hashed, password)


def password_version(db):
    """A fingerprint of the stored hash (new with every password), or None."""
    hashed = _password_hash(db)
    return None if hashed is None else hashlib.sha256(hashed.encode()).hexdigest()


def restore_warnings(copy, current):
    """Warnings about the owner password a backup would bring back."""
    copied, now = _hash_or_none(copy), _hash_or_none(current)
    again = "set a new one after the restore with `flask --app webapp set-password`"
    if copied is None:
        return [f"the copy has no owner password: {again}"]
    # The method and its cost, as this site writes them ("scrypt:32768:8:1").
    ours = generate_password_hash("-").split("$", 1)[0]
    if copied.split("$", 1)[0] != ours:
        return [f"the copy's owner password is not stored as this site does: {again}"]
    if now is not None and copied != now:
        return [
            "the copy's owner password is not the one in use now: after the"
            " restore, the password from when the copy was made opens the dashboard"
        ]
    return []


def _hash_or_none(db):
    """The stored hash of a database that may be foreign or empty, or None."""
    if db is None or not db["meta"].exists():
        return None
    return _password_hash(db)


def _password_hash(db):
    """The stored hash, or None."""
    return read_meta(db, HASH_META_KEY)
