"""What a request contributes to the counts: judged once, journaled before the answer.

What is recorded
    * ``view``: a full page of the article (site/views.py and the fast path).
    * ``click``: ``GET /book`` (site/booking.py and the fast path).
    * ``call``: ``POST /call``, the beacon a press on the practice's phone
      number sends (site/booking.py; static/js/site.js).
    * ``widget``: each use of a widget (``widget_use``), in fragment and
      full-page responses alike.

A view judges its request once (``classify.judge``: a ``Visit``) and hands
it to ``record`` with its events, the one way in for every kind. What is not
counted is only tallied, by reason (see classify.py); one request's events
may part ways (a page opened from another site's link is a view, but not a
widget use). The page stored is the one the server's route names, never one
a request header claims. Privacy: no cookie is set and the reader's session
is never touched. The raw IP address and User-Agent live only in memory
while the request is handled; what is stored is described in store.py.

Before the response goes out, a request's events are appended to this
worker's journal (journal.py), with a pseudonym in place of the reader: a
crash after that loses nothing. A background thread in each worker process
(writer.py) then stores them in SQLite: a slow, locked or broken database
never delays a booking. In tests (``TRACK_IN_BACKGROUND`` is off when
``TESTING``) the journal is stored when the response is closed: use
``with client.get(...)``. A failure is logged, with the IP address and
User-Agent scrubbed out.
"""

import functools
import traceback
from dataclasses import replace
from datetime import UTC, datetime

from flask import current_app

from ..core.calendar import practice_zone
from ..core.text import clean_text
from .classify import Visit, judge
from .journal import encode, journal_for
from .journal_folder import JournalRefused, report
from .store import entry_of
from .vocabulary import CALL, CLICK, LIMITS, VIEW, WIDGET
from .writer import JournalWriter

__all__ = [
    "Visit",
    "call",
    "click",
    "flush",
    "judge",
    "page_view",
    "record",
    "widget_use",
]


def page_view():
    """The event of a full page of the article."""
    return {"kind": VIEW}


def click(placement):
    """The event of a booking click at ``placement`` (checked by the caller)."""
    return {"kind": CLICK, "placement": placement}


def call(placement):
    """The event of a press on the practice's phone at ``placement`` (checked)."""
    return {"kind": CALL, "placement": placement}


def widget_use(widget, detail):
    """The event of one use of a widget (``aspect``, ``training``)."""
    return {
        "kind": WIDGET,
        "widget": clean_text(widget, LIMITS["widget"]),
        "detail": clean_text(detail, LIMITS["detail"]),
    }


def record(response, visit, *events):
    """Count ``visit``'s ``events`` with ``response``; never raises.

    Events part ways by why they are not counted (``Visit.reason_for`` their
    kind): the counted ones carry the reader's details, each reason's only a
    tally. ``response`` is anything with ``call_on_close`` (a Response, or the
    fast path's body); it goes out whatever happens here.
    """
    app = current_app._get_current_object()
    try:
        parted = {}
        for event in events:
            parted.setdefault(visit.reason_for(event["kind"]), []).append(event)
        visits = [replace(visit, reason=r, events=e) for r, e in parted.items()]
        if visits:
            _write_after(app, response, visits)
    except Exception as error:  # the page, or the redirect, goes out regardless
        _log_failure(app, error, visit)
    return response


def start_writer():
    """Start this worker's writer at its first request: it replays dead journals."""
    app = current_app._get_current_object()
    if app.config["TRACK_IN_BACKGROUND"]:
        try:
            _writer.watch(app)
        except Exception as error:  # tracking never breaks a page
            _log_failure(app, error, None)


# --- Writing: to the journal now, to SQLite after ------------------------------------


def _write_after(app, response, visits):
    """Journal ``visits`` before the response goes out; store them off the request.

    One ``write()`` for the request (a line per visit), with no reader's
    details in it (store.Entry). In production a background thread stores
    the journal (writer.py); with ``TRACK_IN_BACKGROUND`` off (tests) it is
    stored when the response is closed, after it has been sent.
    """
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
        _log_failure(app, error, visits[0])  # the reader's details scrubbed
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


def _log_failure(app, error, visit):
    """Log why an event was not stored, without the reader's IP or User-Agent.

    ``visit`` is None for the writer's failures: its entries hold no reader.
    """
    text = "".join(traceback.format_exception(error))
    if visit is not None:
        text = scrub(text, visit.ip, visit.user_agent)
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
