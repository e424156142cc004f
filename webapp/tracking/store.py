"""Writing events: a counted visit's rows, a filtered visit's tally, the visitor key.

Schema (migrations m004, m005 and m013 in webapp/core/migrations.py; read
by webapp/stats/):
    ``events``: one row per counted event.
        ``ts`` UTC time, ``YYYY-MM-DDTHH:MM:SSZ``, taken when the request
        was answered (the journal keeps it until the row is written);
        ``day`` (``YYYY-MM-DD``) and ``hour`` (0-23) in the practice's
        ``TIME_ZONE``; ``kind`` view/click/widget/call; ``page`` path of the
        article page; ``placement`` (clicks and calls: a name from
        site/placements.py or ``unknown``); ``widget``, ``detail`` (widget
        events); ``referrer_host`` (host only, '' when direct or internal; a
        click without one takes its visitor's landing referrer of that day);
        ``utm_source/medium/campaign/content/term`` (a click without any takes
        its visitor's landing UTM of that day); ``device`` mobile/tablet/
        desktop; ``browser`` family; ``visitor`` the daily key (16 hex);
        ``repeat`` 1 for a click by the same visitor within 30 minutes of an
        earlier click (counts as a click, not as a unique clicker), and the
        same for a call after a call (not a new caller).
        Every text column is NOT NULL ('' when absent), cleaned and capped.
    ``filtered_daily(day, reason, kind, events)``: the tallies of what was
        not counted.
    ``late_days(day)``: days that got counted events after they ended (a
        journal replayed after midnight), which stats rolls up again.

The visitor key is made in two steps. At request time, ``pseudonym`` is an
HMAC of the local day, IP and User-Agent under the app's secret key: all the
journal keeps of a reader (it cannot be turned back into an address without
the key and a guess, and changes with the day). When the row is written,
``visitor_key`` is an HMAC of that pseudonym under a random salt that changes
every day (the old salt is overwritten, with ``secure_delete``) and the secret
key. So one reader is one visitor within a day, and cannot be followed across
days. The salt is kept out of backups. An event written after its day's salt
is gone (a journal replayed after midnight) gets a salt of its own that is
never stored.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..core.db import immediate, read_meta, write_meta
from .vocabulary import (
    CALL,
    CLICK,
    EVENT_COLUMNS,
    REPEAT_WINDOW,
    TIMESTAMP_FORMAT,
    UTM_FIELDS,
    VIEW,
)

SALT_META_KEY = "visitor_salt"

# Column lists are our own constants, never input.
_INSERT_EVENT = "INSERT INTO events ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(EVENT_COLUMNS), ", ".join("?" for _ in EVENT_COLUMNS)
)
_EVENT_DEFAULTS = tuple(0 if c in ("hour", "repeat") else "" for c in EVENT_COLUMNS)


@dataclass
class Entry:
    """One request's events as the journal keeps them: nothing that names a reader.

    ``at`` is the request's time (UTC seconds since the epoch); ``pseudonym``
    stands for the reader (counted entries only); ``reason`` is why the
    events were not counted, or None.
    """

    at: float
    reason: str | None
    page: str = ""
    referrer_host: str = ""
    utm: dict = field(default_factory=dict)
    device: str = ""
    browser: str = ""
    pseudonym: str = ""
    events: list = field(default_factory=list)


def entry_of(visit, secret, tz, now=None):
    """A visit as the journal keeps it: the reader's details become a pseudonym."""
    now = now or datetime.now(UTC)
    entry = Entry(now.timestamp(), visit.reason, events=list(visit.events))
    if visit.reason is None:
        day = now.astimezone(tz).date().isoformat()
        entry.page, entry.referrer_host, entry.utm = (
            visit.page,
            visit.referrer_host,
            dict(visit.utm),
        )
        entry.device, entry.browser = visit.device, visit.browser
        entry.pseudonym = pseudonym(secret, day, visit.ip, visit.user_agent)
    return entry


def write_entry(db, entry, secret, tz, today=None, salts=None):
    """Tally a filtered entry or record a counted one; the caller holds the lock.

    ``salts`` is the caller's cache of day -> salt for one transaction.
    """
    when = datetime.fromtimestamp(entry.at, UTC)
    day = when.astimezone(tz).date().isoformat()
    if entry.reason is not None:
        for event in entry.events:
            add_filtered(db, day, entry.reason, event["kind"])
        return
    if today is not None and day < today:
        # Its rollup, if made, misses this event: stats makes it again.
        db.execute("INSERT OR IGNORE INTO late_days (day) VALUES (?)", [day])
    _record(db, entry, secret, when, tz, salts)


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
        write_entry(db, entry_of(visit, secret, tz, now), secret, tz)


def _record(db, entry, secret, now, tz, salts=None):
    """Store a counted entry's events; the caller holds the write lock."""
    local = now.astimezone(tz)
    day = local.date().isoformat()
    salt = salts.get(day) if salts is not None else None
    if salt is None:
        salt = _daily_salt(db, day)
        if salts is not None:
            salts[day] = salt
    visitor = visitor_key(salt, secret, entry.pseudonym)
    base = {
        "ts": now.strftime(TIMESTAMP_FORMAT),
        "day": day,
        "hour": local.hour,
        "page": entry.page,
        "referrer_host": entry.referrer_host,
        "device": entry.device,
        "browser": entry.browser,
        "visitor": visitor,
    }
    base.update(entry.utm)
    for event in entry.events:
        row = {**base, **event}
        if row["kind"] in (CLICK, CALL):
            # The request's own time: a replayed click is judged as it happened.
            row["repeat"] = _acted_recently(db, visitor, row["kind"], now)
            _attribute_to_landing(db, row)
        db.execute(_INSERT_EVENT, _values(row))  # prepared: this is the hot path


def _values(row):
    """An event dict as INSERT parameters, absent columns as their defaults."""
    return [row.get(c, d) for c, d in zip(EVENT_COLUMNS, _EVENT_DEFAULTS, strict=True)]


def insert_events(db, rows):
    """Insert many event rows at once (seed-demo); the caller holds a transaction."""
    db.conn.executemany(_INSERT_EVENT, (_values(row) for row in rows))


def _acted_recently(db, visitor, kind, now):
    """1 if ``visitor`` clicked (or called: ``kind``) within REPEAT_WINDOW, else 0."""
    since = (now - REPEAT_WINDOW).strftime(TIMESTAMP_FORMAT)
    row = db.execute(
        "SELECT 1 FROM events WHERE visitor = ? AND kind = ? AND ts >= ? LIMIT 1",
        [visitor, kind, since],
    ).fetchone()
    return 1 if row else 0


def _attribute_to_landing(db, row):
    """Give a click or call without referrer or UTM those of the visitor's landing."""
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


def pseudonym(secret, day, ip, user_agent):
    """A reader's name for one day, made at request time: all the journal keeps."""
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    message = f"{day}\n{ip}\n{user_agent}".encode("utf-8", "surrogateescape")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def visitor_key(salt, secret, pseudonym):
    """The day's pseudonymous key (16 hex) for one reader's pseudonym."""
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    key = bytes.fromhex(salt) + secret
    return hmac.new(key, pseudonym.encode(), hashlib.sha256).hexdigest()[:16]


# Salts for days whose stored salt is already gone, made for late events and
# never written anywhere; a handful at most.
_late_salts = {}


def _daily_salt(db, day):
    """Today's salt, made (and yesterday's destroyed) at the first event of a day.

    Called inside the write transaction: two workers cannot both rotate it.
    A late event of an earlier day never brings an old day back: it gets a
    salt of its own, kept in this process's memory only.
    """
    stored = read_meta(db, SALT_META_KEY)
    if stored:
        salt_day, _, salt = stored.partition(":")
        if salt_day == day and salt:
            return salt
        if salt and day < salt_day:
            if day not in _late_salts:
                if len(_late_salts) >= 8:
                    _late_salts.pop(next(iter(_late_salts)))
                _late_salts[day] = secrets.token_hex(32)
            return _late_salts[day]
    salt = secrets.token_hex(32)
    # secure_delete zeroes the old salt's bytes instead of leaving them in
    # free space of the page.
    db.execute("PRAGMA secure_delete = ON")
    write_meta(db, SALT_META_KEY, f"{day}:{salt}")
    return salt
