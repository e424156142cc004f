"""The owner's stats: the dashboard, its htmx fragment, CSV and JSON exports.

Every URL here needs the owner's login. ``/stats`` answers a full page, or
for a real htmx request the same partial alone (``Vary: HX-Request``). A bad
period gives status 400 with the owner-facing message, never a 500.
"""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)

from .. import dashboard, stats
from ..auth import login_required
from ..db import connect, get_db
from ..export import csv_response
from ..http import vary_on_htmx, wants_fragment
from ..periods import EARLIEST, PRESETS, PeriodError, parse_period
from ..text import clean_text
from ..tracking import local_today
from ..widgets import get_widgets

bp = Blueprint("stats", __name__)


def _period(db, today):
    """The period asked for in the query string (raises PeriodError)."""
    return parse_period(request.args, today, stats.first_day(db))


def _chooser_titles():
    """The chooser's suggestions by id, as the reader saw them."""
    return {key: o.title for key, o in get_widgets().chooser.outcomes.items()}


@bp.get("/stats")
@login_required
def index():
    """The dashboard for the chosen period (a fragment for htmx)."""
    db, today = get_db(), local_today()
    board, error, status = None, None, 200
    try:
        period = _period(db, today)
    except PeriodError as problem:
        error, status = str(problem), 400
    else:
        board = dashboard.build(
            db, period, today, current_app.config["TIME_ZONE"], _chooser_titles()
        )
    if board is None:
        # The range form keeps what the owner typed (cleaned), to correct it.
        form = {key: clean_text(request.args.get(key), 40) for key in ("from", "to")}
    else:
        form = {
            "from": board.period.start.isoformat(),
            "to": board.period.end.isoformat(),
        }
    context = {
        "board": board,
        "error": error,
        "presets": PRESETS,
        "today": today,
        "earliest": EARLIEST,
        "form": form,
    }
    template = "stats/_fragment.html" if wants_fragment() else "stats/index.html"
    return vary_on_htmx(make_response(render_template(template, **context), status))


@bp.get("/stats.json")
@login_required
def as_json():
    """The dashboard's numbers as JSON."""
    db, today = get_db(), local_today()
    try:
        period = _period(db, today)
    except PeriodError as problem:
        return make_response(jsonify(error=str(problem)), 400)
    board = dashboard.build(
        db, period, today, current_app.config["TIME_ZONE"], _chooser_titles()
    )
    return jsonify(dashboard.as_json(board))


@bp.get("/stats/events.csv")
@login_required
def events_csv():
    """Raw events of the period, one row each, oldest first."""
    db, today = get_db(), local_today()
    try:
        period = _period(db, today)
    except PeriodError as problem:
        return _csv_error(problem)
    return csv_response(
        stats.EXPORT_COLUMNS,
        _raw_event_rows(current_app.config["DATABASE"], period),
        _filename("events", period),
    )


def _raw_event_rows(path, period):
    """The period's raw events as CSV rows, on a connection of their own.

    The download streams after the request's connection is closed.
    """
    db = connect(path)
    try:
        for event in stats.raw_events(db, period.start, period.end):
            yield [event[column] for column in stats.EXPORT_COLUMNS]
    finally:
        db.conn.close()


@bp.get("/stats/daily.csv")
@login_required
def daily_csv():
    """Daily totals of the period, every day included."""
    db, today = get_db(), local_today()
    try:
        period = _period(db, today)
    except PeriodError as problem:
        return _csv_error(problem)
    report = stats.report(db, period.start, period.end, today=today)
    rows = ([day[c] for c in dashboard.DAILY_COLUMNS] for day in report.daily())
    return csv_response(dashboard.DAILY_COLUMNS, rows, _filename("daily", period))


def _filename(kind, period):
    """``events-2025-03-01-to-2025-03-30.csv``."""
    return f"{kind}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"


def _csv_error(problem):
    """A bad period for a download: the message as plain text, status 400."""
    return make_response(
        f"{problem}\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    )
