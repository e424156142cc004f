"""The dashboard's pictures as plain data: bars over the period, clicks by hour.

The templates only lay these out: every size and position is computed here.
"""

import datetime
import math
from dataclasses import dataclass

from babel.dates import format_interval

from ..core import formatting
from ..core.formatting import number
from .honesty import MIN_PATTERN_EVENTS, peaks

# Below this many visitors (or booking clicks, for shares and conversion) a
# rate is shown with a gentle "rough guide" flag. Here rather than in
# dashboard.py so that every builder of the page's parts can share it.
FEW_VISITS = 30
# Charts show one bar per day up to this many days, then weeks, then months.
MAX_DAILY_BARS = 92
MAX_WEEKLY_BARS = 104
# Heatmap colour steps (classes heat-0 .. heat-4), 0 meaning no clicks.
HEAT_LEVELS = 4
# The charts' drawing box (SVG user units; CSS stretches it to the width).
CHART_WIDTH, CHART_HEIGHT = 600, 100

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKDAYS = (*WEEKDAYS, "Sunday")


def is_rough(count):
    """True when a rate rests on some, but too few, visitors or clicks."""
    return 0 < count < FEW_VISITS


def short_date(day, with_year=False):
    """``Mar 18`` (or ``Mar 18, 2025``) for a date; ``18 Mar`` in en_GB."""
    return formatting.short_date(day, with_year)


def span_label(first, last, with_year=False):
    """``Mar 18`` or ``Mar 18 – 24`` (en_US): a day or a span of days, in the locale."""
    if first == last:
        return short_date(first, with_year)
    skeleton = "yMMMd" if with_year else "MMMd"
    locale = formatting.current_locale()
    return format_interval(first, last, skeleton, locale=locale)


def and_list(items):
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def hour_label(hour):
    """``12 am``, ``7 am``, ``12 pm``, ``7 pm``: how the owner says an hour."""
    return f"{(hour % 12) or 12} {'am' if hour < 12 else 'pm'}"


@dataclass
class Bar:
    """One bar of a chart: a day, a week or a month."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    # The owner's notes on the days of this bar (their text).
    notes: tuple = ()

    @property
    def middle(self):
        """Where a note's marker stands: the bar's centre line."""
        return round(self.x + self.width / 2, 2)


@dataclass
class Series:
    """One chart: bars of one number over the period."""

    name: str
    unit: str
    total: int
    top: int
    bars: list
    peak: str
    # The drawing box the bars are placed in.
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def notes_text(self):
        """The notes marked on this chart, as words for its accessible name."""
        marked = [
            f"{bar.label}: {'; '.join(bar.notes)}" for bar in self.bars if bar.notes
        ]
        return f"Your notes: {'. '.join(marked)}." if marked else ""


@dataclass
class Chart:
    """Views and clicks over the period, and the same numbers as table rows."""

    step: str
    views: Series
    clicks: Series
    rows: list

    @property
    def has_notes(self):
        """Whether any row carries one of the owner's notes."""
        return any(row["notes"] for row in self.rows)


def chart(report, notes=()):
    """Bars of page views and booking clicks (by day, week or month) and their rows.

    ``notes`` (``{"day", "text"}``, oldest first) are attached to the row and
    bar of the day, week or month they fall in.
    """
    daily = report.daily()
    step, buckets = _buckets(daily)
    with_year = report.start.year != report.end.year
    rows = []
    for first, last, days in buckets:
        label = span_label(first, last, with_year)
        rows.append(
            {
                "label": label,
                "start": first.isoformat(),
                "page_views": sum(d["page_views"] for d in days),
                "unique_visitors": sum(d["unique_visitors"] for d in days),
                "booking_clicks": sum(d["booking_clicks"] for d in days),
                "unique_clickers": sum(d["unique_clickers"] for d in days),
                "notes": tuple(
                    note["text"]
                    for note in notes
                    if first.isoformat() <= note["day"] <= last.isoformat()
                ),
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
                notes=row.get("notes", ()),
            )
        )
    return Series(name, unit, sum(values), top, bars, _peak(rows, values, step))


def _peak(rows, values, step):
    """ "most on Dec 3 and Dec 4 (3 each)", or "" when too few to name a peak."""
    best = peaks(dict(enumerate(values)))
    if not best:
        return ""
    where = "on" if step == "day" else "in"
    if len(best) > 3:
        return f"most {number(values[best[0]])} a {step}, on {len(best)} {step}s"
    each = " each" if len(best) > 1 else ""
    labels = and_list(rows[i]["label"] for i in best)
    return f"most {where} {labels} ({number(values[best[0]])}{each})"


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
    return {
        "rows": rows,
        "top": top,
        "total": sum(map(sum, grid)),
        "peak": _busiest(grid),
        "few": MIN_PATTERN_EVENTS,
        "grid": grid,
        "weekdays": WEEKDAYS,
    }


def _busiest(grid):
    """ "Mondays, 8 am to 9 am (4 booking clicks)", ties all; "" when too few."""
    counts = {(w, h): grid[w][h] for w in range(7) for h in range(24)}
    best = peaks(counts)
    if not best:
        return ""
    top = number(counts[best[0]])
    if len(best) > 3:
        return f"{len(best)} hours of the week tie, with {top} booking clicks each"
    times = and_list(
        f"{WEEKDAYS[w]}s, {hour_label(h)} to {hour_label((h + 1) % 24)}"
        for w, h in best
    )
    return f"{times} ({top} booking clicks{' each' if len(best) > 1 else ''})"
