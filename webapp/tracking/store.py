"""Writing events: a counted visit's rows, a filtered visit's tally, the visitor key.

Schema (migrations m101-m103 in webapp/core/migrations.py; read by
webapp/stats/):
    ``events``: one row per counted event.
        ``ts`` UTC time, ``YYYY-MM-DDTHH:MM:SSZ``, taken inside the write
        transaction; ``day`` (``YYYY-MM-DD``) and ``hour`` (0-23) in the
        practice's ``TIME_ZONE``; ``kind`` view/click/widget; ``page`` path of
        the article page; ``placement`` (clicks: a name from
        site/placements.py or ``unknown``); ``widget``, ``detail`` (widget
        events); ``referrer_host`` (host only, '' when direct or internal; a
        click without one takes its visitor's landing referrer of that day);
        ``utm_source/medium/campaign/content/term`` (a click without any takes
        its visitor's landing UTM of that day); ``device`` mobile/tablet/
        desktop; ``browser`` family; ``visitor`` the daily key (16 hex);
        ``repeat`` 1 for a click by the same visitor within 30 minutes of an
        earlier click (counts as a click, not as a unique clicker).
        Every text column is NOT NULL ('' when absent), cleaned and capped.
    ``filtered_daily(day, reason, kind, events)``: the tallies of what was
        not counted.

The visitor key is an HMAC of IP and User-Agent under a random salt that
changes every day (the old salt is overwritten, with ``secure_delete``) and
the app's secret key. So one reader is one visitor within a day, and cannot
be followed across days. The salt is kept out of backups.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from ..core.db import immediate, read_meta, write_meta
from .vocabulary import (
    CLICK,
    EVENT_COLUMNS,
    REPEAT_WINDOW,
    TIMESTAMP_FORMAT,
    UTM_FIELDS,
    VIEW,
    local_now,
)

SALT_META_KEY = "visitor_salt"

# Column lists are our own constants, never input.
_INSERT_EVENT = "INSERT INTO events ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(EVENT_COLUMNS), ", ".join("?" for _ in EVENT_COLUMNS)
)
_EVENT_DEFAULTS = tuple(0 if c in ("hour", "repeat") else "" for c in EVENT_COLUMNS)


def write_visit(db, visit, secret, tz):
    """Tally a filtered visit or record a counted one; the caller holds the lock."""
    if visit.reason is not None:
        day = local_now(tz).date().isoformat()
        for event in visit.events:
            add_filtered(db, day, visit.reason, event["kind"])
    else:
        _record(db, visit, secret, tz)


def add_filtered(db, day, reason, kind, count=1):
    """Add ``count`` not-counted events of ``kind`` to a day's tally for ``reason``."""
    db.execute(
        "INSERT INTO filtered_daily (day, reason, kind, events) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (day, reason, kind) DO UPDATE SET "
        "events = events + excluded.events",
        [day, reason, kind, count],
    )


def record(db, visit, secret, tz, now=None):
    """Store a counted visit's events in one short write transaction."""
    with immediate(db):
        _record(db, visit, secret, tz, now)


def _record(db, visit, secret, tz, now=None):
    """Store a counted visit's events; the caller holds the write lock."""
    # The time is read while we hold the write lock, so a day that the
    # rollups have closed can never receive a late event.
    now = now or datetime.now(UTC)
    local = now.astimezone(tz)
    day = local.date().isoformat()
    visitor = visitor_key(_daily_salt(db, day), secret, visit.ip, visit.user_agent)
    base = {
        "ts": now.strftime(TIMESTAMP_FORMAT),
        "day": day,
        "hour": local.hour,
        "page": visit.page,
        "referrer_host": visit.referrer_host,
        "device": visit.device,
        "browser": visit.browser,
        "visitor": visitor,
    }
    base.update(visit.utm)
    for event in visit.events:
        row = {**base, **event}
        if row["kind"] == CLICK:
            row["repeat"] = _clicked_recently(db, visitor, now)
            _attribute_to_landing(db, row)
        db.execute(_INSERT_EVENT, _values(row))  # prepared: this is the hot path


def _values(row):
    """An event dict as INSERT parameters, absent columns as their defaults."""
    return [row.get(c, d) for c, d in zip(EVENT_COLUMNS, _EVENT_DEFAULTS, strict=True)]


def insert_events(db, rows):
    """Insert many event rows at once (seed-demo); the caller holds a transaction."""
    db.conn.executemany(_INSERT_EVENT, (_values(row) for row in rows))


def _clicked_recently(db, visitor, now):
    """1 if ``visitor`` clicked within REPEAT_WINDOW before ``now``, else 0."""
    since = (now - REPEAT_WINDOW).strftime(TIMESTAMP_FORMAT)
    row = db.execute(
        "SELECT 1 FROM events WHERE visitor = ? AND kind = ? AND ts >= ? LIMIT 1",
        [visitor, CLICK, since],
    ).fetchone()
    return 1 if row else 0


def _attribute_to_landing(db, row):
    """Give a click without referrer or UTM those of the visitor's landing."""
    has_utm = any(row.get(column) for column in UTM_FIELDS)
    if row["referrer_host"] and has_utm:
        return
    landing = db.execute(
        "SELECT referrer_host, {} FROM events WHERE visitor = ? AND kind = ? "  # noqa: S608
        "AND day = ? ORDER BY ts DESC LIMIT 1".format(", ".join(UTM_FIELDS)),
        [row["visitor"], VIEW, row["day"]],
    ).fetchone()
    if landing is None:
        return
    if not row["referrer_host"]:
        row["referrer_host"] = landing[0]
    if not has_utm:
        row.update(zip(UTM_FIELDS, landing[1:], strict=True))


def visitor_key(salt, secret, ip, user_agent):
    """The day's pseudonymous key for one IP address and User-Agent."""
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    key = bytes.fromhex(salt) + secret
    message = f"{ip}\n{user_agent}".encode("utf-8", "surrogateescape")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def _daily_salt(db, day):
    """Today's salt, made (and yesterday's destroyed) at the first event of a day.

    Called inside ``record``'s write transaction: two workers cannot both
    rotate it.
    """
    stored = read_meta(db, SALT_META_KEY)
    if stored:
        salt_day, _, salt = stored.partition(":")
        if salt_day == day and salt:
            return salt
    salt = secrets.token_hex(32)
    # secure_delete zeroes the old salt's bytes instead of leaving them in
    # free space of the page.
    db.execute("PRAGMA secure_delete = ON")
    write_meta(db, SALT_META_KEY, f"{day}:{salt}")
    return salt
