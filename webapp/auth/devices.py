"""The owner's known devices: a signed cookie the login throttle lets through.

A right password sets it (never anything else, so readers never get one).
A browser that carries it is counted in its own bucket instead of its
address's and the site-wide ceiling's: an attacker on the owner's network,
or guessing from everywhere at once, cannot lock the owner's own browser
out. It still has to give the right password. A new password (set-password)
forgets every known device, as it ends every session.
"""

import secrets

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from . import passwords
from .throttle import Bucket, keyed

CONFIG_DEFAULTS = {
    # How long a browser stays a known device after the owner's last login.
    "KNOWN_DEVICE_DAYS": 90,
}
COOKIE_NAME = "owner_device"
# Only the login form needs it; no other page ever sees it.
COOKIE_PATH = "/login"


def _serializer():
    """Signs and checks the cookie with the app's secret key."""
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def _max_age():
    """The cookie's lifetime in seconds."""
    return int(current_app.config["KNOWN_DEVICE_DAYS"] * 24 * 3600)


def _password_version(db):
    """A keyed fingerprint of the stored password hash, or None without one."""
    version = passwords.password_version(db)
    return None if version is None else keyed(f"password:{version}")[:22]


def known_device_bucket(db):
    """This browser's own bucket if it is a known device of the owner, else None."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        device_id, version = _serializer().loads(token, max_age=_max_age())
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(device_id, str) or version != _password_version(db):
        return None
    return Bucket(
        keyed(f"device:{device_id}"), current_app.config["LOGIN_MAX_FAILURES"]
    )


def remember_device(response, db):
    """Make this browser a known device (after a right password), for 90 days."""
    token = _serializer().dumps([secrets.token_urlsafe(16), _password_version(db)])
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=_max_age(),
        path=COOKIE_PATH,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )
