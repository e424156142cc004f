"""The owner's stats: the dashboard, its htmx fragment, CSV and JSON exports.

Every URL here needs the owner's login. ``/stats`` answers a full page, or
for a real htmx request the same partial alone (``Vary: HX-Request``). A bad
period gives status 400 with the owner-facing message, an ``article`` that
names no article 404, never a 500: each view says how its kind of answer
shows that message (``period_view``). ``?article=<slug>`` narrows every
number but the bookings (which do not say which article they came from).
"""

import datetime
import functools

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)

from ..auth.guard import login_required
from ..core import calendar
from ..core.db import connect, get_db
from ..core.http import vary_on_htmx, wants_fragment
from ..notes.store import notes_between
from ..notes.views import flashed_message, notes_box
from ..site.content import get_widgets
from ..site.placements import booking_platform
from ..site.views import site_url
from . import articles, dashboard, export, reports
from .periods import PRESETS, parse_period
from .rollups import ALL_PAGES

bp = Blueprint("stats", __name__)


def period_view(on_error):
    """Give the view the database, today, the period and the article asked for.

    A bad period or an unknown article never reaches the view:
    ``on_error(message, status)`` answers it. The article is a known slug or
    None (every article).
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped():
            db, today = get_db(), calendar.today()
            try:
                period = parse_period(request.args, today, reports.first_day(db))
            except calendar.DayError as problem:
                return on_error(str(problem), 400)
            article = request.args.get("article") or None
            try:
                articles.page_of(article)
            except articles.UnknownArticle as problem:
                return on_error(str(problem), 404)
            return view(db, today, period, article)

        return wrapped

    return decorate


def _build(db, period, today=None, article=None):
    """The dashboard of ``period``, chooser suggestions named as readers saw them."""
    titles = {key: o.title for key, o in get_widgets().chooser.outcomes.items()}
    return dashboard.build(
        db,
        period,
        current_app.config["TIME_ZONE"],
        chooser_outcomes=titles,
        config=current_app.config,
        platform=booking_platform(),
        today=today,
        article=article,
    )


def _dashboard_page(board, error=None, status=200):
    """The dashboard page (or its fragment, for htmx) with the period form."""
    if board is None:
        # The range form keeps what the owner typed, to correct it, when a
        # date field can hold it (a date input takes only YYYY-MM-DD).
        form = {key: _date_or_empty(request.args.get(key)) for key in ("from", "to")}
    else:
        form = {
            "from": board.period.start.isoformat(),
            "to": board.period.end.isoformat(),
        }
    box = None
    if board is not None:
        # The notes forms come back here (POST-redirect-GET), to this period.
        back = request.full_path.rstrip("?")
        box = notes_box(
            get_db(),
            board.period.start,
            board.period.end,
            back,
            message=flashed_message(),
        )
    context = {
        "board": board,
        "box": box,
        "bookings_upload": _upload_url(),
        # What the first-day checklist offers to share: the article's address.
        "article_link": site_url(),
        # "the article", or "your articles" once there are several.
        "articles_words": articles.articles_words(),
        "what_they_bring": articles.what_articles_bring(),
        "error": error,
        "presets": PRESETS,
        "today": calendar.today(),
        "earliest": calendar.EARLIEST,
        "form": form,
        # Links that keep the narrowing; none once the article is unknown.
        "article_args": board.article_args if board else _known_article_args(),
        "article_missing": status == 404,
        "every_article_url": url_for(
            "stats.index",
            **{k: v for k, v in request.args.items() if k not in ("article", "_")},
        ),
    }
    template = "stats/_fragment.html" if wants_fragment() else "stats/index.html"
    return vary_on_htmx(make_response(render_template(template, **context), status))


def _known_article_args():
    """``{"article": slug}`` when the address names a known article, else {}."""
    slug = request.args.get("article")
    try:
        return {"article": slug} if articles.page_of(slug) != ALL_PAGES else {}
    except articles.UnknownArticle:
        return {}


def _upload_url():
    """The bookings upload page's address, or None while it does not exist."""
    # The importer's page lives in the bookings package, written apart: the
    # dashboard links to it only once its endpoint is registered.
    if "bookings.upload" in current_app.view_functions:
        return url_for("bookings.upload")
    return None


def _date_or_empty(value):
    """``value`` as ``YYYY-MM-DD`` if it is a day the date field takes, else ''."""
    try:
        return calendar.parse_day(value, datetime.date.max).isoformat()
    except calendar.DayError:
        return ""


def _json_error(message, status):
    """A bad period or article for the JSON export: ``{"error": ...}``."""
    return make_response(jsonify(error=message), status)


def _csv_error(message, status):
    """A bad period or article for a download: the message as plain text."""
    return make_response(
        f"{message}\n", status, {"Content-Type": "text/plain; charset=utf-8"}
    )


@bp.get("/stats")
@login_required
@period_view(on_error=lambda message, status: _dashboard_page(None, message, status))
def index(db, today, period, article):
    """The dashboard for the chosen period (a fragment for htmx)."""
    return _dashboard_page(_build(db, period, today, article))


@bp.get("/stats.json")
@login_required
@period_view(on_error=_json_error)
def as_json(db, today, period, article):
    """The dashboard's numbers as JSON."""
    return jsonify(export.as_json(_build(db, period, today, article)))


@bp.get("/stats/events.csv")
@login_required
@period_view(on_error=_csv_error)
def events_csv(db, today, period, article):
    """Raw events of the period (of one article's page, narrowed), oldest first."""
    return export.csv_response(
        reports.EXPORT_COLUMNS,
        # The page now: the rows stream after the request's context is gone.
        _raw_event_rows(
            current_app.config["DATABASE"], period, articles.page_of(article)
        ),
        _filename("events", period, article),
    )


def _raw_event_rows(path, period, page):
    """The period's raw events (of ``page``) as CSV rows, on their own connection.

    The download streams after the request's connection is closed.
    """
    db = connect(path)
    try:
        for event in reports.raw_events(db, period.start, period.end, page):
            yield [event[column] for column in reports.EXPORT_COLUMNS]
    finally:
        db.conn.close()


@bp.get("/stats/daily.csv")
@login_required
@period_view(on_error=_csv_error)
def daily_csv(db, today, period, article):
    """Daily totals of the period (of one article, narrowed), every day included."""
    report = reports.report(db, period.start, period.end, articles.page_of(article))
    rows = ([day[c] for c in export.DAILY_COLUMNS] for day in report.daily())
    return export.csv_response(
        export.DAILY_COLUMNS, rows, _filename("daily", period, article)
    )


@bp.get("/stats/bookings.csv")
@login_required
@period_view(on_error=_csv_error)
def bookings_csv(db, today, period, _article):
    """The period's imported bookings (every article's), no client details."""
    config = current_app.config
    return export.csv_response(
        export.BOOKING_COLUMNS,
        export.booking_rows(config["DATABASE"], period.start, period.end, config),
        _filename("bookings", period),
    )


@bp.get("/stats/notes.csv")
@login_required
@period_view(on_error=_csv_error)
def notes_csv(db, today, period, _article):
    """The owner's notes of the period: day and text."""
    rows = [[n["day"], n["text"]] for n in notes_between(db, period.start, period.end)]
    return export.csv_response(export.NOTE_COLUMNS, rows, _filename("notes", period))


def _filename(kind, period, article=None):
    """``events-2025-03-01-to-2025-03-30.csv`` (``events-prenatal-...``, narrowed)."""
    named = f"{kind}-{article}" if article else kind
    return f"{named}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
