"""What a request contributes to the counts: taken in memory, written after.

What is recorded
    * ``view``: a full page of the article, when its view calls ``note_view``
      (not an htmx fragment, not an error status).
    * ``click``: ``GET /book`` (webapp/site/booking.py calls ``record_click``).
    * ``widget``: each ``(widget, detail)`` the widget views pass to
      ``note_widget_use``, in fragment and full-page responses alike.

What is not counted is only tallied, by reason (see classify.py). Privacy:
no cookie is set and the reader's session is never touched. The raw IP
address and User-Agent live only in memory while the request is handled;
what is stored is described in store.py.

Events are written by a background thread in each worker process (writer.py),
after the request has queued them: a slow, locked or broken database never
delays a booking. In tests (``TRACK_IN_BACKGROUND`` is off when ``TESTING``)
they are written when the response is closed: use ``with client.get(...)``.
A failure is logged, with the IP address and User-Agent scrubbed out.
"""

import contextlib
import functools
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, g, request

from ..core.db import get_db, immediate
from ..core.http import current_page, current_page_args, wants_fragment
from ..core.text import clean_text
from .classify import AGENT_CLASSIFY_LENGTH, device_and_browser, filter_reason
from .classify import referrer_host as host_of_referrer
from .store import write_visit
from .vocabulary import (
    CLICK,
    LIMITS,
    UTM_FIELDS,
    UTM_MAX_LENGTH,
    VIEW,
    WIDGET,
    practice_zone,
)
from .writer import BackgroundWriter


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


# --- What the views tell us ------------------------------------------------------


def note_view():
    """Count this request as a view of the article, if it ends as a full page."""
    g.tracked_view = True


def note_widget_use(widget, detail):
    """Count one use of a widget (``aspect``, ``training``) with this request."""
    if "widget_events" not in g:
        g.widget_events = []
    g.widget_events.append((widget, detail))


def current_utm():
    """The UTM parameters of the page being read, cleaned, empty ones left out.

    For an htmx fragment the page's own address arrives in ``HX-Current-URL``:
    its UTM is the page's, so booking buttons inside widgets keep the campaign.
    """
    if wants_fragment():
        args = current_page_args() or {}
    elif b"utm_" in request.query_string:
        args = request.args
    else:
        return {}  # the common case, checked without parsing the query
    utm = {}
    for name in UTM_FIELDS:
        value = clean_text(args.get(name), UTM_MAX_LENGTH)
        if value:
            utm[name] = value
    return utm


# --- Taking a request's events -------------------------------------------------


def capture(events, page):
    """Take what the current request contributes (in memory, for writing)."""
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
        referrer_host=host_of_referrer(referrer, _own_hosts()) if referrer else "",
        utm=current_utm(),
        device=device,
        browser=browser,
        events=events,
    )


def record_click(response, placement):
    """Count a booking click once ``response`` (the redirect) has been sent.

    ``placement`` is already checked by the caller (a known name or
    ``unknown``).
    """
    try:
        event = {"kind": CLICK, "placement": placement}
        referrer = request.referrer
        page = _own_path(_split(referrer)) if referrer else ""
        _write_after(response, capture([event], page=page))
    except Exception as error:  # the redirect must go out whatever happens here
        _log_failure(current_app._get_current_object(), error, None)
    return response


def track_response(response):
    """After each request: log the article view and widget events it carried."""
    try:
        events = _events_of(response)
        if events:
            page = _own_path(current_page()) or request.path
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
        g.get("tracked_view")
        and response.status_code == 200
        and request.method in ("GET", "HEAD")
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


def _split(url):
    """``url`` split into parts, or None when it is malformed."""
    try:
        return urlsplit(url or "")
    except ValueError:
        return None


def _own_hosts():
    """Host names of this site, whose referrers are internal navigation."""
    hosts = {(request.host or "").split(":")[0].lower()}
    site_url = current_app.config.get("SITE_URL") or ""
    if site_url:
        hosts.add((urlsplit(site_url).hostname or "").lower())
    return hosts


def _own_path(parts):
    """The path of a split URL if it is on this site, else ''."""
    if parts is None:
        return ""
    if parts.hostname and parts.hostname.lower() not in _own_hosts():
        return ""
    return clean_text(parts.path, LIMITS["page"])


# --- Writing, off the request ------------------------------------------------------


def _write_after(response, visit):
    """Write ``visit`` without keeping the reader waiting.

    In production a background thread writes it (writer.py); with
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
                    with immediate(db):
                        _write_in_transaction(app, db, visit)
                except Exception as error:
                    _log_failure(app, error, visit)
    except Exception as error:  # the connection itself failed
        _log_failure(app, error, visits[0] if len(visits) == 1 else None)


def _write_in_transaction(app, db, visit):
    """Tally or record a visit; the caller holds the write lock."""
    write_visit(db, visit, secret=app.config["SECRET_KEY"], tz=practice_zone(app))


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


_writer = BackgroundWriter(
    write=_write_in_transaction, on_error=_log_failure, name="tracking-writer"
)


def flush():
    """Wait until this process has written every event it queued."""
    _writer.flush()
