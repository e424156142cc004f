"""The owner's numbers as files: CSV a spreadsheet opens safely, and JSON."""

import csv
import io

from flask import Response

from ..bookings.channels import CHANNEL_LABELS
from ..bookings.summary import CONFIRMED_BOOKINGS
from ..core.db import connect
from ..core.formatting import rate
from ..tracking.vocabulary import CLICK, REASONS, VIEW
from . import conversion
from .charts import WEEKDAYS
from .dashboard import BREAKDOWNS, WITH_VISITORS

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows per streamed chunk of a CSV download.
CHUNK_ROWS = 500


def csv_safe(value):
    """A cell value that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(header, rows, filename):
    """A UTF-8 CSV download (with BOM, so Excel reads the accents right).

    Streamed in chunks, so an "all time" export of a large database never
    sits whole in memory on a small server. ``rows`` is consumed after the
    view has returned: it must not use the request's database connection.
    """

    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(header)
        for count, row in enumerate(rows, start=1):
            writer.writerow([csv_safe(value) for value in row])
            if count % CHUNK_ROWS == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    response = Response(chunks(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _drain(buffer):
    """Everything written to ``buffer`` so far, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- The JSON document ------------------------------------------------------------


def as_json(board):
    """The dashboard's numbers as one JSON-ready dict (for ``/stats.json``)."""
    report, period = board.report, board.period
    breakdowns = {}
    for dimension, *_ in BREAKDOWNS:
        clicks = {v: (n, u) for v, n, u in report.breakdown(CLICK, dimension)}
        views = {}
        if dimension in WITH_VISITORS:
            views = {v: (n, u) for v, n, u in report.breakdown(VIEW, dimension)}
        items = []
        for value in sorted(set(clicks) | set(views)):
            n, u = clicks.get(value, (0, 0))
            item = {"value": value, "booking_clicks": n, "unique_clickers": u}
            if dimension in WITH_VISITORS:
                views_n, visitors = views.get(value, (0, 0))
                item.update(
                    page_views=views_n,
                    unique_visitors=visitors,
                    click_through_rate=rate(u, visitors),
                )
            items.append(item)
        items.sort(key=lambda i: (-i["booking_clicks"], i["value"]))
        breakdowns[dimension] = items
    return {
        "period": {
            "key": period.key,
            "label": period.label,
            "dates": period.dates,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.days,
            "time_zone": board.time_zone,
        },
        "totals": {
            **report.totals(),
            **conversion.booking_totals(board.click_to_client.summary),
        },
        "previous": board.previous,
        "daily": report.daily(),
        "breakdowns": breakdowns,
        "chooser": [
            {k: row[k] for k in ("outcome", "shown", "readers", "booking_clicks")}
            for row in board.chooser
        ],
        "widget_groups": report.widget_groups(),
        "clicks_by_weekday_hour": {
            "weekdays": list(WEEKDAYS),
            "clicks": board.heatmap["grid"],
        },
        "filtered": {reason: report.filtered.get(reason, 0) for reason in REASONS},
        "click_to_client": conversion.as_json(board.click_to_client),
        # The dashboard's first words (earnings.answer_sentence).
        "answer": board.answer,
        # Each headline against the previous period, as honesty.py judges it:
        # "up", "down", "same" (chance often does that) or "too-few".
        "changes": {h.key: h.direction for h in board.headlines},
        "notes": [{"day": note["day"], "text": note["text"]} for note in board.notes],
        # The article every number above is narrowed to (None: every article;
        # bookings, notes and what was not counted are always every article's:
        # ``filtered_covers`` says so when narrowed), and each article's
        # numbers with the whole site's (``articles_total``: unique visitors
        # there count a reader of two articles once).
        "article": board.article_slug,
        **filtered_scope(board.article_slug),
        "articles": [row.as_json() for row in board.articles],
        "articles_total": board.site_totals,
    }


def filtered_scope(article):
    """What says "filtered" is every article's, for numbers narrowed to one.

    Requests left out (bots, previews, the owner) are tallied by day and reason
    only, never by page: narrowed numbers still carry the whole site's.
    """
    return {"filtered_covers": "every article"} if article else {}


# Columns of the daily CSV, as in ``Report.daily()``.
DAILY_COLUMNS = (
    "day",
    "page_views",
    "unique_visitors",
    "booking_clicks",
    "unique_clickers",
    "widget_events",
    "calls",
    "unique_callers",
)

# The notes CSV: one row per note.
NOTE_COLUMNS = ("day", "text")

# The bookings CSV: the booking itself, never a client detail (none is stored);
# its channel in the owner's words ("Your website").
BOOKING_COLUMNS = (
    "day",
    "booked_on",
    "appointment",
    "service",
    "price",
    "status",
    "channel",
    "new_client",
)
# CONFIRMED_BOOKINGS is our own constant, never input: S608 does not apply.
_BOOKINGS_SELECT = (
    "select day, booked_on, appointment, service, price_cents, status, channel,"  # noqa: S608
    f" new_client from {CONFIRMED_BOOKINGS}"
    " where day between ? and ? order by day, appointment, bookings.id"
)


def booking_rows(path, start, end, _config=None):
    """The bookings of ``start``..``end`` as CSV rows, on a connection of their own.

    The download streams after the request's connection is closed. (No
    setting is read any more: the channel is stored; ``_config`` is left for
    the callers until they drop it.)
    """
    db = connect(path)
    try:
        if not db["bookings"].exists():
            return
        cursor = db.execute(_BOOKINGS_SELECT, [start.isoformat(), end.isoformat()])
        for row in cursor:
            day, booked_on, appointment, service, cents, status, channel, new = row
            yield [
                day,
                booked_on,
                appointment,
                service,
                "" if cents is None else f"{cents / 100:.2f}",
                status,
                CHANNEL_LABELS.get(channel, channel),
                {None: "", 0: "no"}.get(new, "yes"),
            ]
    finally:
        db.conn.close()
