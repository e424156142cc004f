"""What a request contributes to the counts: taken in memory, written after.

What is recorded
    * ``view``: a full page of the article, when its view calls ``note_view``
      (not an htmx fragment, not an error status).
    * ``click``: ``GET /book`` (webapp/site/booking.py calls ``record_click``).
    * ``widget``: each ``(widget, detail)`` the widget views pass to
      ``note_widget_use``, in fragment and full-page responses alike.

What is not counted is only tallied, by reason (see classify.py); one
request's events may part ways (a page opened from another site's link is a
view, but not a widget use). The page stored is the one the server's route
names, never one a request header claims. Privacy:
no cookie is set and the reader's session is never touched. The raw IP
address and User-Agent live only in memory while the request is handled;
what is stored is described in store.py.

Before the response goes out, a request's events are appended to this
worker's journal (journal.py), with a pseudonym in place of the reader: a
crash after that loses nothing. A background thread in each worker process
(writer.py) then stores them in SQLite: a slow, locked or broken database
never delays a booking. In tests (``TRACK_IN_BACKGROUND`` is off when
``TESTING``) the journal is stored when the response is closed: use
``with client.get(...)``. A failure is logged, with the IP address and
User-Agent scrubbed out.
"""

import contextlib
import functools
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app, g, request

from ..core.calendar import practice_zone
from ..core.http import current_page_args, wants_fragment
from ..core.text import clean_text
from .classify import AGENT_CLASSIFY_LENGTH, device_and_browser, filter_reason
from .classify import referrer_host as host_of_referrer
from .journal import encode, journal_for
from .journal_folder import JournalRefused, report
from .store import entry_of
from .vocabulary import (
    CLICK,
    LIMITS,
    UTM_FIELDS,
    UTM_MAX_LENGTH,
    VIEW,
    WIDGET,
)
from .writer import JournalWriter


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


def note_page(path):
    """Name the page this request's events belong to, when it is not its own path.

    A widget fragment's route is not a page: its view names the page the
    widget sits on.
    """
    g.tracked_page = path


def note_widget_use(widget, detail):
    """Count one use of a widget (``aspect``, ``training``) with this request."""
    if "widget_events" not in g:
        g.widget_events = []
    g.widget_events.append((widget, detail))


def current_utm(req=None):
    """The UTM parameters of the page being read, cleaned, empty ones left out.

    For an htmx fragment the page's own address arrives in ``HX-Current-URL``:
    its UTM is the page's, so booking buttons inside widgets keep the campaign.
    """
    req = req or request
    if wants_fragment(req):
        args = current_page_args(req) or {}
    elif b"utm_" in req.query_string:
        args = req.args
    else:
        return {}  # the common case, checked without parsing the query
    utm = {}
    for name in UTM_FIELDS:
        value = clean_text(args.get(name), UTM_MAX_LENGTH)
        if value:
            utm[name] = value
    return utm


# --- Taking a request's events -------------------------------------------------


def capture(events, page, req=None):
    """Take what the request (or ``req``) contributes: visits to write (in memory).

    Events are parted by why they are not counted (``classify.filter_reason``
    for their kind): the counted ones make one visit with the reader's details,
    each reason's a tally-only visit that keeps nothing about the reader.
    """
    reasons = {}
    by_reason = {}
    for event in events:
        kind = event["kind"]
        if kind not in reasons:
            reasons[kind] = filter_reason(kind, req)
        by_reason.setdefault(reasons[kind], []).append(event)
    visits = [
        Visit("", "", reason, "", "", {}, "", "", chosen)
        for reason, chosen in by_reason.items()
        if reason is not None
    ]
    if None in by_reason:
        visits.append(_reader_visit(by_reason[None], page, req or request))
    return visits


def _reader_visit(events, page, req):
    """A counted visit: the reader's details, held in memory until written."""
    agent = req.environ.get("HTTP_USER_AGENT", "")
    device, browser = device_and_browser(agent[:AGENT_CLASSIFY_LENGTH])
    referrer = req.referrer
    return Visit(
        ip=req.remote_addr or "",
        user_agent=agent,
        reason=None,
        page=page,
        referrer_host=host_of_referrer(referrer, _own_hosts(req)) if referrer else "",
        utm=current_utm(req),
        device=device,
        browser=browser,
        events=events,
    )


def record_click(response, placement, page, req=None):
    """Count a booking click once ``response`` (the redirect) has been sent.

    ``placement`` is already checked by the caller (a known name or
    ``unknown``); ``page`` is where that button sits, as the server knows it
    (never the Referer, which any page can set). ``response`` is anything
    with ``call_on_close`` (a Response, or the fast path's body).
    """
    try:
        event = {"kind": CLICK, "placement": placement}
        visits = capture([event], clean_text(page, LIMITS["page"]), req)
        _write_after(response, visits)
    except Exception as error:  # the redirect must go out whatever happens here
        _log_failure(current_app._get_current_object(), error, None, req)
    return response


def record_view(response, page, req):
    """Count a view of the article page ``page`` that the fast path answered."""
    try:
        _writer_started(current_app._get_current_object())
        page = clean_text(page, LIMITS["page"])
        _write_after(response, capture([{"kind": VIEW}], page, req))
    except Exception as error:  # tracking never breaks a page
        _log_failure(current_app._get_current_object(), error, None, req)
    return response


def _writer_started(app):
    """Start this worker's writer on its first request (it replays dead journals)."""
    if app.config["TRACK_IN_BACKGROUND"]:
        _writer.watch(app)


def track_response(response):
    """After each request: log the article view and widget events it carried."""
    try:
        # The first request of a worker starts its writer, which replays
        # journals that dead workers left, even before any event.
        _writer_started(current_app._get_current_object())
        events = _events_of(response)
        if events:
            page = g.get("tracked_page") or request.path
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


def _own_hosts(req):
    """Host names of this site, whose referrers are internal navigation."""
    hosts = {(req.host or "").split(":")[0].lower()}
    site_url = current_app.config.get("SITE_URL") or ""
    if site_url:
        hosts.add((urlsplit(site_url).hostname or "").lower())
    return hosts


# --- Writing: to the journal now, to SQLite after ------------------------------------


def _write_after(response, visits):
    """Journal ``visits`` before the response goes out; store them off the request.

    One ``write()`` for the request (a line per visit), with no reader's
    details in it (store.Entry). In production a background thread stores
    the journal (writer.py); with ``TRACK_IN_BACKGROUND`` off (tests) it is
    stored when the response is closed, after it has been sent.
    """
    app = current_app._get_current_object()
    try:
        journal = journal_for(app.config)
        secret, tz = app.config["SECRET_KEY"], practice_zone(app)
        now = datetime.now(UTC)  # the events' time, whenever their rows are written
        # Kept or dropped (and counted, for the writer to record) as a whole.
        lines = b"".join(encode(entry_of(v, secret, tz, now)) for v in visits)
        journal.append(lines, events=sum(len(visit.events) for visit in visits))
    except JournalRefused as error:
        report(app, error)  # once per process: the folder is not ours alone
        return
    except Exception as error:
        # The reader's details, if any, are scrubbed from what is logged.
        reader = next((visit for visit in visits if visit.reason is None), None)
        _log_failure(app, error, reader)
        return
    if app.config["TRACK_IN_BACKGROUND"]:
        _writer.submit(app, journal)
    else:
        response.call_on_close(functools.partial(_writer.write_now, app, journal))


def _log_waiting(app, error):
    """Say that the database refuses events for now; they wait in the journal."""
    # An error: the owner must learn that the database refuses writes, even
    # though nothing is lost while the journal has room.
    app.logger.error(
        "Event not recorded yet, kept in the journal until the database takes "
        "it (the reader was not affected): %s",
        error,
    )


def _log_failure(app, error, visit, req=None):
    """Log why an event was not stored, without the reader's IP or User-Agent."""
    text = "".join(traceback.format_exception(error))
    if visit is not None:
        text = scrub(text, visit.ip, visit.user_agent)
    else:
        # Outside a request there is nothing of a reader to scrub.
        with contextlib.suppress(RuntimeError):
            req = req or request
            agent = req.environ.get("HTTP_USER_AGENT", "")
            text = scrub(text, req.remote_addr, agent)
    app.logger.error("Event not recorded (the reader was not affected): %s", text)


def scrub(text, *private):
    """``text`` with each private string (IP address, User-Agent) cut out."""
    for value in private:
        if value and len(value) >= 3:
            text = text.replace(value, "[private]")
    return text


_writer = JournalWriter(
    on_error=_log_failure, on_wait=_log_waiting, name="tracking-writer"
)


@functools.cache
def install_process_hooks():
    """The writer's fork and exit hooks, once per process, from ``init_app``."""
    _writer.install_hooks()


def flush():
    """Wait until this process has stored what its journals held."""
    _writer.flush()
