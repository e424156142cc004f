"""Booking clicks, page views and widget events: counted honestly, stored privately.

What is recorded
    * ``view``: a full-page GET of the article (endpoint ``site.index``; not an
      htmx fragment, not HEAD), from this module's ``after_request`` hook.
    * ``click``: ``GET /book`` (webapp/views/booking.py calls ``record_click``).
    * ``widget``: each ``(widget, detail)`` that the widget views append to
      ``g.widget_events``, in fragment and full-page responses alike.

What is not counted, but tallied by reason in ``filtered_daily``: ``head``
(HEAD requests), ``prefetch`` (a ``Sec-Purpose``/``Purpose``/``X-Purpose``/
``X-Moz`` header), ``shared`` (link-preview fetchers of chat and social apps),
``bot`` (crawlerdetect, or no User-Agent at all) and ``owner`` (the logged-in
owner, ``session["owner"]``).

Privacy: no cookie is set and the reader's session is never touched. The raw IP
address and User-Agent live only in memory while the request is handled. Each
event stores a *visitor key*: an HMAC of IP and User-Agent under a random salt
that changes every day (the old salt is overwritten, with ``secure_delete``) and
the app's secret key. So one reader is one visitor within a day, and cannot be
followed across days. The salt is kept out of backups (see ``backup``).

Events are written by a background thread in each worker process, after the
request has queued them: a slow, locked or broken database never delays a
booking. In tests (``TRACK_IN_BACKGROUND`` is off when ``TESTING``) they are
written when the response is closed: use ``with client.get(...)``. A failure
is logged, with the IP address and User-Agent scrubbed out of the message.

Schema (migrations ``m101``-``m103`` in webapp/db.py; read by webapp/stats.py)
    ``events``: one row per counted event.
        ``ts`` UTC time, ``YYYY-MM-DDTHH:MM:SSZ``, taken inside the write
        transaction; ``day`` (``YYYY-MM-DD``) and ``hour`` (0-23) in the
        practice's ``TIME_ZONE``; ``kind`` view/click/widget; ``page`` path of
        the article page; ``placement`` (clicks: a name from
        placements.PLACEMENTS or ``unknown``); ``widget``, ``detail`` (widget
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
    ``daily_counts(day, kind, dimension, value, events, uniques)`` and
        ``rolled_days(day)``: per-day rollups written by webapp/stats.py.
"""

import contextlib
import functools
import hashlib
import hmac
import secrets
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import user_agents
from crawlerdetect import CrawlerDetect
from flask import current_app, g, request, session

from .db import EVENT_TEXT_COLUMNS, get_db, immediate
from .http import PREFETCH_HEADERS, wants_fragment
from .placements import current_utm, normalise_placement
from .text import clean_text
from .writer import BackgroundWriter

VIEW, CLICK, WIDGET = "view", "click", "widget"
KINDS = (VIEW, CLICK, WIDGET)
# Why a request was not counted, in the order they are checked.
REASONS = ("head", "prefetch", "shared", "bot", "owner")

ARTICLE_ENDPOINT = "site.index"
REPEAT_WINDOW = timedelta(minutes=30)
SALT_META_KEY = "visitor_salt"
# User-Agents are classified (and cached) by their first characters: real
# ones are far shorter, and a flood of huge made-up ones cannot fill memory.
AGENT_CLASSIFY_LENGTH = 512
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# Longest value kept for each stored text field.
LIMITS = {
    "page": 200,
    "placement": 40,
    "widget": 40,
    "detail": 100,
    "referrer_host": 100,
    "device": 10,
    "browser": 40,
}

# Link-preview fetchers of chat and social apps: crawlerdetect knows them as
# crawlers but cannot tell a preview (someone shared the link) from indexing.
# iMessage previews as "facebookexternalhit ... Facebot Twitterbot".
LINK_PREVIEW_AGENTS = (
    "whatsapp",
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot-linkexpanding",
    "slack-imgproxy",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "skypeuripreview",
    "pinterestbot",
    "redditbot",
    "mastodon",
    "bluesky",
    "viber",
    "snapchat",
    "iframely",
    "embedly",
)

_crawlers = CrawlerDetect()


@dataclass
class Visit:
    """What one request contributes: held in memory only, never stored as is."""

    ip: str
    user_agent: str
    reason: str | None
    page: str
    referrer_host: str
    utm: dict
    device: str
    browser: str
    events: list = field(default_factory=list)


# --- Deciding what counts --------------------------------------------------------


def filter_reason():
    """Why the current request must not be counted, or None for a real reader."""
    environ = request.environ
    if environ.get("REQUEST_METHOD") == "HEAD":
        return "head"
    if any(key in environ for key in _PREFETCH_ENVIRON_KEYS):
        return "prefetch"
    reason = agent_reason(environ.get("HTTP_USER_AGENT", "")[:AGENT_CLASSIFY_LENGTH])
    if reason is None and is_owner():
        return "owner"
    return reason


# The WSGI environ keys of the prefetch headers (looked up on every request).
_PREFETCH_ENVIRON_KEYS = tuple(
    "HTTP_" + name.upper().replace("-", "_") for name in PREFETCH_HEADERS
)


@functools.lru_cache(maxsize=2048)
def agent_reason(agent):
    """``shared``, ``bot`` or None for a User-Agent (cached: agents repeat)."""
    if is_link_preview(agent):
        return "shared"
    # A browser always says what it is; a request without a User-Agent is a
    # script. Otherwise crawlerdetect decides.
    if not agent.strip() or _crawlers.is_crawler(agent):
        return "bot"
    return None


def is_link_preview(agent):
    """True for the fetcher of a chat or social app building a link preview."""
    agent = agent.lower()
    return any(name in agent for name in LINK_PREVIEW_AGENTS)


def is_owner():
    """True for the logged-in owner (a signed session cookie says so)."""
    if g.get("owner_verified") is True:
        return True
    # Only look inside the session when a cookie came with the request: reading
    # it otherwise would add ``Vary: Cookie`` to every reader's page.
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    return session.get("owner") is True


@functools.lru_cache(maxsize=2048)
def device_and_browser(agent):
    """``(device class, browser family)`` of a User-Agent string."""
    parsed = user_agents.parse(agent)
    if parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    else:
        device = "desktop"
    return device, clean_text(parsed.browser.family, LIMITS["browser"])


def referrer_host(referrer, own_hosts=()):
    """The host of a Referer URL; '' when absent, malformed or our own site."""
    if not referrer:
        return ""
    try:
        host = urlsplit(referrer.strip()).hostname or ""
    except ValueError:
        return ""
    host = clean_text(host, LIMITS["referrer_host"]).rstrip(".")
    return "" if host in own_hosts else host


def _own_hosts():
    """Host names of this site, whose referrers are internal navigation."""
    hosts = {(request.host or "").split(":")[0].lower()}
    site_url = current_app.config.get("SITE_URL") or ""
    if site_url:
        hosts.add((urlsplit(site_url).hostname or "").lower())
    return hosts


def _path_of(url):
    """The path of a URL on this site, or ''."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return ""
    if parts.hostname and parts.hostname.lower() not in _own_hosts():
        return ""
    return clean_text(parts.path, LIMITS["page"])


def capture(events, page):
    """Take what the current request contributes (in memory, for ``write``)."""
    reason = filter_reason()
    if reason is not None:
        # Filtered requests are only tallied: nothing about them is kept.
        return Visit("", "", reason, "", "", {}, "", "", events)
    agent = request.environ.get("HTTP_USER_AGENT", "")
    device, browser = device_and_browser(agent[:AGENT_CLASSIFY_LENGTH])
    referrer = request.referrer
    return Visit(
        ip=request.remote_addr or "",
        user_agent=agent,
        reason=None,
        page=page,
        referrer_host=referrer_host(referrer, _own_hosts()) if referrer else "",
        utm=current_utm(),
        device=device,
        browser=browser,
        events=events,
    )


# --- Recording -------------------------------------------------------------------


def record_click(response, placement):
    """Count a booking click once ``response`` (the redirect) has been sent."""
    try:
        event = {"kind": CLICK, "placement": normalise_placement(placement)}
        referrer = request.referrer
        visit = capture([event], page=_path_of(referrer) if referrer else "")
        _write_after(response, visit)
    except Exception as error:  # the redirect must go out whatever happens here
        _log_failure(current_app._get_current_object(), error, None)
    return response


def track_response(response):
    """After each request: log article views and widget events it carried."""
    try:
        events = _events_of(response)
        if events:
            page = _path_of(request.headers.get("HX-Current-URL")) or request.path
            _write_after(response, capture(events, clean_text(page, LIMITS["page"])))
    except Exception as error:  # tracking never breaks a page
        _log_failure(current_app._get_current_object(), error, None)
    return response


def _events_of(response):
    """The events a finished request stands for (view and widget uses)."""
    if response.status_code >= 400:
        return []
    events = []
    if (
        request.endpoint == ARTICLE_ENDPOINT
        and request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not wants_fragment()
    ):
        events.append({"kind": VIEW})
    for item in g.get("widget_events") or ():
        try:
            widget, detail = item
        except (TypeError, ValueError):
            continue
        events.append(
            {
                "kind": WIDGET,
                "widget": clean_text(widget, LIMITS["widget"]),
                "detail": clean_text(detail, LIMITS["detail"]),
            }
        )
    return events


def _write_after(response, visit):
    """Write ``visit`` without keeping the reader waiting.

    In production a background thread writes it (webapp/writer.py); with
    ``TRACK_IN_BACKGROUND`` off (tests) it is written when the response is
    closed, after it has been sent.
    """
    app = current_app._get_current_object()
    if app.config["TRACK_IN_BACKGROUND"]:
        _writer.submit(app, visit)
    else:
        response.call_on_close(functools.partial(_write_now, app, [visit]))


def _write_now(app, visits):
    """Write visits' events over one connection; log failures, never raise."""
    try:
        with app.app_context():
            db = get_db()
            for visit in visits:
                try:
                    _write_visit(app, db, visit)
                except Exception as error:
                    _log_failure(app, error, visit)
    except Exception as error:  # the connection itself failed
        _log_failure(app, error, visits[0] if len(visits) == 1 else None)


def _write_visit(app, db, visit):
    """Tally a filtered visit or record a counted one, in its own transaction."""
    with immediate(db):
        _write_in_transaction(app, db, visit)


def _write_in_transaction(app, db, visit):
    """Tally or record a visit; the caller holds the write lock."""
    if visit.reason is not None:
        tally(db, visit.reason, [event["kind"] for event in visit.events])
    else:
        _record(db, visit, secret=app.config["SECRET_KEY"], tz=_zone(app))


_writer = BackgroundWriter(
    write=_write_in_transaction,
    # _log_failure is defined further down.
    on_error=lambda app, error, visit: _log_failure(app, error, visit),
    name="tracking-writer",
)


def flush():
    """Wait until this process has written every event it queued."""
    _writer.flush()


def tally(db, reason, kinds, day=None):
    """Count filtered events by day, reason and kind (one statement each)."""
    day = day or local_now(_zone(current_app)).date().isoformat()
    for kind in kinds:
        db.execute(
            "INSERT INTO filtered_daily (day, reason, kind, events) "
            "VALUES (?, ?, ?, 1) "
            "ON CONFLICT (day, reason, kind) DO UPDATE SET events = events + 1",
            [day, reason, kind],
        )


def record(db, visit, secret, tz, now=None):
    """Store a counted visit's events in one short write transaction."""
    with immediate(db):
        _record(db, visit, secret, tz, now)


def _record(db, visit, secret, tz, now=None):
    """Store a counted visit's events; the caller holds the write lock."""
    # The time is read while we hold the write lock, so a day that
    # stats.py has rolled up can never receive a late event.
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
        _insert_event(db, row)


_EVENT_COLUMNS = ("ts", "day", "hour", "kind", *EVENT_TEXT_COLUMNS, "repeat")
_INSERT_EVENT = "INSERT INTO events ({}) VALUES ({})".format(  # noqa: S608 (constants)
    ", ".join(_EVENT_COLUMNS), ", ".join("?" for _ in _EVENT_COLUMNS)
)
_UTM_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


_EVENT_DEFAULTS = tuple(0 if c in ("hour", "repeat") else "" for c in _EVENT_COLUMNS)


def _values(row):
    """An event dict as INSERT parameters, absent columns as their defaults."""
    return [row.get(c, d) for c, d in zip(_EVENT_COLUMNS, _EVENT_DEFAULTS, strict=True)]


def _insert_event(db, row):
    """Insert one event row (a prepared statement: this is the hot path)."""
    db.execute(_INSERT_EVENT, _values(row))


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
    has_utm = any(row.get(column) for column in _UTM_COLUMNS)
    if row["referrer_host"] and has_utm:
        return
    landing = db.execute(
        "SELECT referrer_host, utm_source, utm_medium, utm_campaign, utm_content, "
        "utm_term FROM events WHERE visitor = ? AND kind = ? AND day = ? "
        "ORDER BY ts DESC LIMIT 1",
        [row["visitor"], VIEW, row["day"]],
    ).fetchone()
    if landing is None:
        return
    if not row["referrer_host"]:
        row["referrer_host"] = landing[0]
    if not has_utm:
        row.update(zip(_UTM_COLUMNS, landing[1:], strict=True))


# --- The visitor key and its daily salt ------------------------------------------


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
    row = db.execute("SELECT value FROM meta WHERE key = ?", [SALT_META_KEY]).fetchone()
    if row:
        salt_day, _, salt = row[0].partition(":")
        if salt_day == day and salt:
            return salt
    salt = secrets.token_hex(32)
    # secure_delete zeroes the old salt's bytes instead of leaving them in
    # free space of the page.
    db.execute("PRAGMA secure_delete = ON")
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SALT_META_KEY, f"{day}:{salt}"],
    )
    return salt


# --- Time ------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def zone(name):
    """The ZoneInfo for a time zone name (cached)."""
    return ZoneInfo(name)


def _zone(app):
    """The practice's time zone."""
    return zone(app.config["TIME_ZONE"])


def local_now(tz):
    """The current time in ``tz``."""
    return datetime.now(UTC).astimezone(tz)


def local_today(app=None):
    """Today's date in the practice's time zone."""
    return local_now(_zone(app or current_app)).date()


# --- Failures --------------------------------------------------------------------


def _log_failure(app, error, visit):
    """Log why an event was not stored, without the reader's IP or User-Agent."""
    text = "".join(traceback.format_exception(error))
    if visit is not None:
        text = scrub(text, visit.ip, visit.user_agent)
    else:
        # Outside a request there is nothing of a reader to scrub.
        with contextlib.suppress(RuntimeError):
            agent = request.environ.get("HTTP_USER_AGENT", "")
            text = scrub(text, request.remote_addr, agent)
    app.logger.error("Event not recorded (the reader was not affected): %s", text)


def scrub(text, *private):
    """``text`` with each private string (IP address, User-Agent) cut out."""
    for value in private:
        if value and len(value) >= 3:
            text = text.replace(value, "[private]")
    return text


# --- Wiring ----------------------------------------------------------------------


def init_app(app):
    """Check the time zone, log views and widget events, add the owner commands."""
    try:
        zone(app.config["TIME_ZONE"])
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"FLASK_TIME_ZONE {app.config['TIME_ZONE']!r} is not a known time zone "
            "(use a name like America/New_York)"
        ) from None
    # Tests write synchronously (when the response is closed), so that a
    # test can read what a request stored right after it.
    app.config.setdefault("TRACK_IN_BACKGROUND", not app.testing)
    app.after_request(track_response)

    from . import tracking_cli

    tracking_cli.init_app(app)
