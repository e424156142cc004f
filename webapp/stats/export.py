"""The owner's numbers as files: CSV a spreadsheet opens safely, and JSON."""

import csv
import io

from flask import Response

from ..core.formatting import rate
from ..tracking.vocabulary import CLICK, REASONS, VIEW
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
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.days,
            "time_zone": board.time_zone,
        },
        "totals": report.totals(),
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
    }


# Columns of the daily CSV, as in ``Report.daily()``.
DAILY_COLUMNS = (
    "day",
    "page_views",
    "unique_visitors",
    "booking_clicks",
    "unique_clickers",
    "widget_events",
)
