"""Failed-login throttling, counted in SQLite so every worker sees the same count.

An attempt counts against every bucket its client falls in: an IPv4
address, or an IPv6 address's /64, /56 and /48 (each with its own
allowance, so owning more addresses does not buy more guesses), and
against the site-wide hourly ceiling. The owner's known device
(devices.py) is counted in its own bucket instead, and is never held up by
the others. Buckets are keyed hashes: no address is ever stored.
"""

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass

from flask import current_app, request

from ..core.db import immediate

CONFIG_DEFAULTS = {
    # Failed logins allowed per client (an IPv4 address, an IPv6 /64, or the
    # owner's known device) within the window before a 429.
    "LOGIN_MAX_FAILURES": 5,
    # The same for every IPv6 /56 and /48, which hold many /64s.
    "LOGIN_MAX_FAILURES_PER_56": 10,
    "LOGIN_MAX_FAILURES_PER_48": 20,
    # Seconds a failed login counts against its buckets.
    "LOGIN_FAILURE_WINDOW": 600,
    # Failed logins per hour from all clients together before everyone but
    # the owner's known devices waits (README: the arithmetic).
    "LOGIN_MAX_FAILURES_PER_HOUR": 100,
}
CEILING_WINDOW = 3600
# The IPv6 prefixes a client is counted under, narrowest first, and the
# setting that holds each one's allowance.
IPV6_BUCKETS = (
    (64, "LOGIN_MAX_FAILURES"),
    (56, "LOGIN_MAX_FAILURES_PER_56"),
    (48, "LOGIN_MAX_FAILURES_PER_48"),
)


@dataclass(frozen=True)
class Bucket:
    """One allowance an attempt counts against: a keyed hash and its limit."""

    key: str
    limit: int


@dataclass(frozen=True)
class Attempt:
    """The outcome of asking to check a password: allowed, or wait."""

    allowed: bool
    remaining: int = 0
    retry_after: int = 0
    # Why a refused attempt waits: "client" (these buckets) or "everyone"
    # (the site-wide ceiling).
    blocked_by: str = ""
    # When this attempt was counted, and its row under the site-wide ceiling.
    counted_at: float = 0.0
    ceiling_id: int | None = None


def keyed(text):
    """A keyed hash of ``text`` (an address, a network, a device id)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def client_buckets():
    """The buckets of this request's client address, narrowest first."""
    address = request.remote_addr or "unknown"
    config = current_app.config
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return [Bucket(keyed(f"login:{address}"), config["LOGIN_MAX_FAILURES"])]
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 4:
        network = ipaddress.ip_network(f"{ip}/32")
        return [Bucket(keyed(f"login:{network}"), config["LOGIN_MAX_FAILURES"])]
    # One IPv6 client usually owns a whole /64, a household a /56, a site
    # a /48: hopping addresses or /64s inside them does not reset a count.
    return [
        Bucket(
            keyed(f"login:{ipaddress.ip_network(f'{ip}/{prefix}', strict=False)}"),
            config[setting],
        )
        for prefix, setting in IPV6_BUCKETS
    ]


def reserve_attempt(db, buckets, ceiling=True, now=None):
    """Count one login attempt against ``buckets``, unless one is used up.

    With ``ceiling``, the attempt also counts against (and waits for) the
    site-wide hourly ceiling. A refused attempt counts nowhere, so waiting
    clients do not prolong their own pause.
    """
    now = time.time() if now is None else now
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    ceiling_limit = current_app.config["LOGIN_MAX_FAILURES_PER_HOUR"]
    remaining = []
    with immediate(db):
        db["login_attempts"].delete_where("attempted_at <= ?", [now - window])
        db["login_ceiling"].delete_where("attempted_at <= ?", [now - CEILING_WINDOW])
        for bucket in buckets:
            count, oldest = db.execute(
                "SELECT count(*), min(attempted_at) FROM login_attempts"
                " WHERE client_key = ?",
                [bucket.key],
            ).fetchone()
            if count >= bucket.limit:
                return _refused("client", oldest + window - now)
            remaining.append(bucket.limit - count - 1)
        if ceiling:
            count, oldest = db.execute(
                "SELECT count(*), min(attempted_at) FROM login_ceiling"
            ).fetchone()
            if count >= ceiling_limit:
                return _refused("everyone", oldest + CEILING_WINDOW - now)
            remaining.append(ceiling_limit - count - 1)
        # Counted before the password is checked, so parallel guesses in
        # several workers cannot slip past a limit.
        db["login_attempts"].insert_all(
            {"client_key": bucket.key, "attempted_at": now} for bucket in buckets
        )
        ceiling_id = None
        if ceiling:
            ceiling_id = db["login_ceiling"].insert({"attempted_at": now}).last_pk
    return Attempt(
        allowed=True,
        remaining=min(remaining),
        counted_at=now,
        ceiling_id=ceiling_id,
    )


def _refused(blocked_by, seconds):
    """A refused attempt that may try again in ``seconds`` (at least one)."""
    return Attempt(
        allowed=False, retry_after=max(1, math.ceil(seconds)), blocked_by=blocked_by
    )


def forget_attempts(db, buckets, attempt):
    """After a right password: clear the narrowest bucket, uncount this attempt.

    The wider buckets (an IPv6 /56 and /48) and the ceiling keep their
    earlier failures until they expire, so the owner signing in never hands
    a neighbour on the same network a fresh allowance.
    """
    narrowest, *wider = buckets
    with immediate(db):
        db["login_attempts"].delete_where("client_key = ?", [narrowest.key])
        for bucket in wider:
            db.execute(
                "DELETE FROM login_attempts WHERE rowid IN (SELECT rowid"
                " FROM login_attempts WHERE client_key = ? AND attempted_at = ?"
                " LIMIT 1)",
                [bucket.key, attempt.counted_at],
            )
        if attempt.ceiling_id is not None:
            db["login_ceiling"].delete_where("id = ?", [attempt.ceiling_id])


def clear_all(db):
    """Forget every counted attempt (``unlock``); return how many there were."""
    with immediate(db):
        counted = db["login_attempts"].count + db["login_ceiling"].count
        db["login_attempts"].delete_where()
        db["login_ceiling"].delete_where()
    return counted
