"""Failed-login throttling, counted in SQLite so every worker sees the same count."""

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass

from flask import current_app, request

from ..core.db import immediate

CONFIG_DEFAULTS = {
    # Failed logins allowed per client within the window before a 429.
    "LOGIN_MAX_FAILURES": 5,
    # Seconds a failed login counts against the client.
    "LOGIN_FAILURE_WINDOW": 600,
}


@dataclass(frozen=True)
class Attempt:
    """The outcome of asking to check a password: allowed, or wait."""

    allowed: bool
    remaining: int = 0
    retry_after: int = 0


def client_key():
    """A keyed hash that identifies the client without storing its address."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        network = address
    else:
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        # One IPv6 client usually owns a whole /64; key on it so hopping
        # addresses inside it does not reset the count.
        prefix = 64 if ip.version == 6 else 32
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"login:{network}".encode(), hashlib.sha256).hexdigest()


def reserve_attempt(db, key, now=None):
    """Count one login attempt for ``key``, unless it has used up its allowance."""
    now = time.time() if now is None else now
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    with immediate(db):
        db.execute("DELETE FROM login_attempts WHERE attempted_at <= ?", [now - window])
        count, oldest = db.execute(
            "SELECT count(*), min(attempted_at) FROM login_attempts"
            " WHERE client_key = ?",
            [key],
        ).fetchone()
        if count >= limit:
            retry_after = max(1, math.ceil(oldest + window - now))
            return Attempt(allowed=False, retry_after=retry_after)
        # Counted before the password is checked, so parallel guesses in
        # several workers cannot slip past the limit.
        db["login_attempts"].insert({"client_key": key, "attempted_at": now})
    return Attempt(allowed=True, remaining=limit - count - 1)


def forget_attempts(db, key):
    """Clear a client's failed attempts after it logs in."""
    db.execute("DELETE FROM login_attempts WHERE client_key = ?", [key])
