"""The owner's dashboard as plain data, built from two reports of webapp/stats.py.

``build(db, period, today)`` reads the chosen period and the one just before
it; the templates in templates/stats/ only lay the result out, and
``as_json`` gives the same numbers to ``/stats.json``. Every number shown
comes from ``stats.Report``, so the page, the CSV files, the JSON and
``flask --app webapp stats --json`` cannot disagree.
"""

import calendar
import datetime
import math
from dataclasses import dataclass, field

from . import stats
from .placements import UNKNOWN
from .tracking import CLICK, REASONS, VIEW, WIDGET

# Below this many visitors a rate is shown with a gentle "rough guide" flag.
FEW_VISITS = 30
# Breakdown tables show this many rows, then one "everything else" row.
TOP_ROWS = 8
# Charts show one bar per day up to this many days, then weeks, then months.
MAX_DAILY_BARS = 92
MAX_WEEKLY_BARS = 104
# Heatmap colour steps (classes heat-0 .. heat-4), 0 meaning no clicks.
HEAT_LEVELS = 4
# The charts' drawing box (SVG user units; CSS stretches it to the width).
CHART_WIDTH, CHART_HEIGHT = 600, 100

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKDAYS = (*WEEKDAYS, "Sunday")

PLACEMENT_LABELS = {
    "header": "Top of the page",
    "after-comparison": "After the comparison",
    "technique": "In a technique note",
    "chooser-medical": "Chooser: medical massage",
    "chooser-therapeutic": "Chooser: therapeutic massage",
    "chooser-provider-first": "Chooser: see your provider first",
    "article-end": "End of the article",
    "footer": "Page footer",
    UNKNOWN: "Unknown button (an old or edited link)",
}
FILTERED_LABELS = {
    "bot": "Bots and crawlers",
    "prefetch": "Prefetch and prerender",
    "head": "HEAD requests",
    "owner": "Your own visits",
    "shared": "Link previews (shared)",
}
# The breakdowns of booking clicks: (dimension, title, column heading, empty value).
BREAKDOWNS = (
    ("placement", "Clicks by button", "Button", ""),
    ("referrer_host", "Clicks by referrer", "Came from", "Direct, or not told"),
    ("utm_campaign", "Clicks by campaign", "Campaign", "No campaign"),
    ("utm_source", "Clicks by campaign source", "Source", "No campaign"),
    ("device", "Clicks by device", "Device", "Unknown"),
)
# Dimensions that views carry too, so each row can have its click-through rate.
WITH_VISITORS = {"referrer_host", "utm_campaign", "utm_source", "device"}
HEADLINES = (
    ("page_views", "Page views"),
    ("unique_visitors", "Unique visitors"),
    ("booking_clicks", "Booking clicks"),
    ("unique_clickers", "Unique clickers"),
    ("click_through_rate", "Click-through rate"),
)


# --- Formatting --------------------------------------------------------------------


def number(value):
    """A count with thousands separators."""
    return f"{value:,}"


def percent(value):
    """A rate (0..1) as a percentage with one decimal, or "n/a"."""
    return "n/a" if value is None else f"{value:.1%}"


def short_date(day, with_year=False):
    """``Mar 18`` (or ``Mar 18, 2025``) for a date."""
    text = f"{calendar.month_abbr[day.month]} {day.day}"
    return f"{text}, {day.year}" if with_year else text


def hour_label(hour):
    """``12 am``, ``7 am``, ``12 pm``, ``7 pm``: how the owner says an hour."""
    return f"{(hour % 12) or 12} {'am' if hour < 12 else 'pm'}"


# --- The pieces ----------------------------------------------------------------------


@dataclass
class Headline:
    """One headline number with its change against the previous period."""

    key: str
    label: str
    value: object
    text: str
    previous: object
    previous_text: str
    change: str
    direction: str
    rough: bool = False

    @property
    def show_previous(self):
        """Whether "(before: N)" adds anything to the change's words."""
        return self.previous not in (0, None)


@dataclass
class Bar:
    """One bar of a chart: a day, a week or a month."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Series:
    """One chart: bars of one number over the period."""

    name: str
    unit: str
    total: int
    top: int
    bars: list
    peak: str


@dataclass
class Chart:
    """Views and clicks over the period, and the same numbers as table rows."""

    step: str
    views: Series
    clicks: Series
    rows: list


@dataclass
class BreakdownRow:
    """One value of a breakdown (a referrer, a campaign...)."""

    value: str
    label: str
    clicks: int
    clickers: int
    visitors: int | None = None
    rate: float | None = None
    share: float | None = None
    rough: bool = False
    other: bool = False


@dataclass
class Breakdown:
    """Booking clicks split by one dimension."""

    dimension: str
    title: str
    heading: str
    rows: list
    with_visitors: bool
    total_clicks: int
    rough: bool = False


@dataclass
class Dashboard:
    """Everything the stats page shows for one period."""

    period: object
    previous_period: object
    report: stats.Report
    # The previous period's ``Report.totals()``.
    previous: dict
    time_zone: str
    headlines: list = field(default_factory=list)
    chart: Chart | None = None
    breakdowns: list = field(default_factory=list)
    chooser: list = field(default_factory=list)
    widget_groups: list = field(default_factory=list)
    heatmap: dict = field(default_factory=dict)
    filtered: list = field(default_factory=list)

    @property
    def rate_is_rough(self):
        """True when the click-through rate rests on too few visitors."""
        return 0 < self.report.unique_visitors < FEW_VISITS


# --- Building ------------------------------------------------------------------------


def build(db, period, today, time_zone, chooser_outcomes=None):
    """The dashboard for ``period`` (a periods.Period), compared with the one before."""
    report = stats.report(db, period.start, period.end, today=today)
    previous_period = period.previous()
    previous = stats.period_totals(db, previous_period.start, previous_period.end)
    board = Dashboard(period, previous_period, report, previous, time_zone)
    board.headlines = headlines(report, previous)
    board.chart = chart(report)
    board.breakdowns = [breakdown(report, *spec) for spec in BREAKDOWNS]
    board.chooser = chooser_rows(report, chooser_outcomes or {})
    board.widget_groups = widget_groups(report)
    board.heatmap = heatmap(report)
    board.filtered = [
        (FILTERED_LABELS[reason], count) for reason, count in report.filtered.items()
    ]
    return board


def headlines(report, previous):
    """The five headline numbers, each against the previous period."""
    items = []
    for key, label in HEADLINES:
        value, before = getattr(report, key), previous[key]
        if key == "click_through_rate":
            text, before_text = percent(value), percent(before)
            change, direction = _rate_change(value, before)
            rough = 0 < report.unique_visitors < FEW_VISITS
        else:
            text, before_text = number(value), number(before)
            change, direction = _count_change(value, before)
            rough = False
        items.append(
            Headline(
                key, label, value, text, before, before_text, change, direction, rough
            )
        )
    return items


def _count_change(value, before):
    """How a count moved: ("+12%", "up"), or words when a percentage would mislead."""
    if value == before:
        return ("no change", "same")
    if before == 0:
        return ("none before", "up")
    direction = "up" if value > before else "down"
    if before < FEW_VISITS:
        # "+200%" on 3 events says more than it knows: give the numbers instead.
        return (
            f"{'up' if direction == 'up' else 'down'} {abs(value - before):,}",
            direction,
        )
    return (f"{(value - before) / before:+.0%}".replace("-", "\u2212"), direction)


def _rate_change(value, before):
    """How a rate moved, in percentage points."""
    if value is None or before is None:
        return ("no rate to compare", "same")
    points = round((value - before) * 100, 1)
    if points == 0:
        return ("no change", "same")
    sign = "+" if points > 0 else "\u2212"
    return (f"{sign}{abs(points):.1f} points", "up" if points > 0 else "down")


def chart(report):
    """Bars of page views and booking clicks (by day, week or month) and their rows."""
    daily = report.daily()
    step, buckets = _buckets(daily)
    with_year = report.start.year != report.end.year
    rows = []
    for first, last, days in buckets:
        label = short_date(first, with_year)
        if last != first:
            label = f"{label} to {short_date(last, with_year)}"
        rows.append(
            {
                "label": label,
                "start": first.isoformat(),
                "page_views": sum(d["page_views"] for d in days),
                "unique_visitors": sum(d["unique_visitors"] for d in days),
                "booking_clicks": sum(d["booking_clicks"] for d in days),
                "unique_clickers": sum(d["unique_clickers"] for d in days),
            }
        )
    return Chart(
        step=step,
        views=_series(rows, "page_views", "Page views", "page views", step),
        clicks=_series(
            rows, "booking_clicks", "Booking clicks", "booking clicks", step
        ),
        rows=rows,
    )


def _buckets(daily):
    """Group daily rows into (first date, last date, rows): days, weeks or months."""
    days = [(datetime.date.fromisoformat(d["day"]), d) for d in daily]
    if len(days) <= MAX_DAILY_BARS:
        return "day", [(day, day, [row]) for day, row in days]
    if len(days) <= MAX_WEEKLY_BARS * 7:
        chunks = [days[i : i + 7] for i in range(0, len(days), 7)]
        step = "week"
    else:
        chunks = []
        for day, row in days:
            if chunks and (chunks[-1][0][0].year, chunks[-1][0][0].month) == (
                day.year,
                day.month,
            ):
                chunks[-1].append((day, row))
            else:
                chunks.append([(day, row)])
        step = "month"
    return step, [(c[0][0], c[-1][0], [row for _, row in c]) for c in chunks]


def nice_top(value):
    """The smallest of 1, 2, 5, 10, 20, 50... that is at least ``value``."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def _series(rows, key, name, unit, step="day"):
    """Chart geometry for one number: bars scaled to a round top value."""
    values = [row[key] for row in rows]
    top = nice_top(max(values, default=0))
    slot = CHART_WIDTH / max(len(values), 1)
    # Thin gaps between bars, but never bars thinner than their gaps.
    width = slot * (0.8 if len(values) > 1 else 0.5)
    bars = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        # A day with any clicks gets a visible sliver, however tall the top.
        height = max(CHART_HEIGHT * value / top, 1.0) if value else 0.0
        bars.append(
            Bar(
                label=row["label"],
                value=value,
                x=round(i * slot + (slot - width) / 2, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(width, 2),
                height=round(height, 2),
            )
        )
    peak = ""
    if any(values):
        best = max(range(len(values)), key=lambda i: (values[i], -i))
        where = "on" if step == "day" else "in"
        peak = f"most {where} {rows[best]['label']} ({number(values[best])})"
    return Series(name, unit, sum(values), top, bars, peak)


def breakdown(report, dimension, title, heading, empty_label):
    """Booking clicks by one dimension, biggest first, the long tail folded."""
    clicks = {value: (n, u) for value, n, u in report.breakdown(CLICK, dimension)}
    with_visitors = dimension in WITH_VISITORS
    visitors = {}
    if with_visitors:
        visitors = {value: u for value, _n, u in report.breakdown(VIEW, dimension)}
    total = report.booking_clicks
    rows = []
    for value in set(clicks) | set(visitors):
        n, u = clicks.get(value, (0, 0))
        rows.append(
            _row(
                value,
                _label(dimension, value, empty_label),
                n,
                u,
                visitors.get(value, 0) if with_visitors else None,
                total,
            )
        )
    rows.sort(key=lambda r: (-r.clicks, -(r.visitors or 0), r.label))
    if len(rows) > TOP_ROWS + 1:
        tail = rows[TOP_ROWS:]
        other = _row(
            "",
            f"Everything else ({len(tail)})",
            sum(r.clicks for r in tail),
            sum(r.clickers for r in tail),
            sum(r.visitors or 0 for r in tail) if with_visitors else None,
            total,
        )
        other.other = True
        rows = [*rows[:TOP_ROWS], other]
    return Breakdown(
        dimension=dimension,
        title=title,
        heading=heading,
        rows=rows,
        with_visitors=with_visitors,
        total_clicks=total,
        rough=0 < total < FEW_VISITS,
    )


def _row(value, label, clicks, clickers, visitors, total_clicks):
    """One breakdown row with its rate (per visitor) or share (of all clicks)."""
    row = BreakdownRow(value=value, label=label, clicks=clicks, clickers=clickers)
    row.share = stats.rate(clicks, total_clicks)
    if visitors is not None:
        row.visitors = visitors
        row.rate = stats.rate(clickers, visitors)
        row.rough = 0 < visitors < FEW_VISITS
    return row


def _label(dimension, value, empty_label):
    """What the owner reads for a stored value (the value itself, unless coded)."""
    if dimension == "placement":
        return PLACEMENT_LABELS.get(value, value or empty_label)
    if dimension == "device":
        return value.capitalize() if value else empty_label
    return value or empty_label


def chooser_rows(report, outcomes):
    """Chooser outcomes: readers shown each suggestion, and clicks on its button."""
    clicks = {value: n for value, n, _u in report.breakdown(CLICK, "placement")}
    rows = []
    for value, events, readers in report.breakdown(WIDGET, "widget"):
        widget, _, outcome = value.partition(":")
        if widget != "chooser":
            continue
        rows.append(
            {
                "outcome": outcome,
                "label": outcomes.get(outcome, outcome or "Unknown"),
                "shown": events,
                "readers": readers,
                "booking_clicks": clicks.get(f"chooser-{outcome}", 0),
            }
        )
    return rows


def widget_groups(report):
    """Readers who used a widget and those who did not, with each group's rate."""
    groups = report.widget_groups()
    labels = {stats.USED: "Used a widget", stats.NOT_USED: "Did not use one"}
    return [
        {
            "key": key,
            "label": labels[key],
            "visitors": group["visitors"],
            "clickers": group["clickers"],
            "rate": group["click_through_rate"],
            "rough": 0 < group["visitors"] < FEW_VISITS,
        }
        for key, group in groups.items()
    ]


def heatmap(report):
    """Booking clicks by hour (rows) and weekday (columns), with colour levels."""
    grid = report.heatmap()  # 7 weekdays x 24 hours
    top = max((max(day) for day in grid), default=0)
    rows = []
    for hour in range(24):
        cells = []
        for weekday in range(7):
            count = grid[weekday][hour]
            level = math.ceil(HEAT_LEVELS * count / top) if top else 0
            cells.append({"count": count, "level": level, "day": WEEKDAYS[weekday]})
        rows.append({"hour": hour, "label": hour_label(hour), "cells": cells})
    peak = ""
    if top:
        weekday, hour = max(
            ((w, h) for w in range(7) for h in range(24)),
            key=lambda wh: (grid[wh[0]][wh[1]], -wh[0], -wh[1]),
        )
        peak = (
            f"{WEEKDAYS[weekday]}s, {hour_label(hour)} to "
            f"{hour_label((hour + 1) % 24)} ({number(top)})"
        )
    return {"rows": rows, "top": top, "peak": peak, "grid": grid, "weekdays": WEEKDAYS}


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
                    click_through_rate=stats.rate(u, visitors),
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
