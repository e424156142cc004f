"""The owner's numbers: totals, daily series and breakdowns of tracked events.

Shared by ``flask --app webapp stats`` and the owner's dashboard. Everything is
read through ``report(db, start, end)``, which returns a ``Report``.

Definitions
    page views        ``view`` events.
    unique visitors   distinct daily visitor keys with a view, summed over days
                      (a key lives one day, so a reader who comes back on
                      another day counts again: we cannot, by design, tell).
    booking clicks    ``click`` events.
    unique clickers   clicks that are not repeats (a repeat is a click by the
                      same visitor within 30 minutes of an earlier one).
    click-through     unique clickers / unique visitors.
    calls             ``call`` events: presses on the practice's phone number
                      on the article (its beacon needs JavaScript).
    unique callers    calls that are not repeats (as for clickers).
    filtered          what was not counted, by reason (see webapp/tracking/classify.py).

The numbers of finished days come from the rollups (rollups.py); the
newest day is summarised live. A report is of the whole site, or of one page
(an article's address: ``page``); either way it also holds each page's
headline counts (``pages``), for the dashboard's Articles table.
"""

import datetime
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..core.formatting import rate
from ..tracking.vocabulary import CALL, CLICK, EVENT_COLUMNS, REASONS, VIEW, WIDGET
from .rollups import (
    ALL_PAGES,
    NOT_USED,
    TOTAL,
    UP_TO_DATE,
    USED,
    VISITORS,
    WIDGET_USE,
    summarise_days,
    summarise_today,
)

# Columns offered for export, oldest event first: every stored column but
# the visitor key (an export file travels further than the database) and the
# hour (the timestamp says it).
EXPORT_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in ("hour", "visitor"))


# --- Reading ---------------------------------------------------------------------


@dataclass
class Report:
    """Every number for the days ``start`` to ``end`` (inclusive, local dates)."""

    start: datetime.date
    end: datetime.date
    # (kind, dimension, value) -> (events, uniques), over the whole period.
    counts: dict = field(default_factory=dict)
    # ISO day -> kind -> (events, uniques), ``total`` dimension only.
    by_day: dict = field(default_factory=dict)
    # (weekday 0=Monday, hour) -> booking clicks.
    click_hours: Counter = field(default_factory=Counter)
    # (reason, kind) -> events not counted.
    filtered_by_kind: Counter = field(default_factory=Counter)
    # The page the numbers are of: ALL_PAGES, or one article's address.
    page: str = ALL_PAGES
    # page -> (kind, dimension, value) -> (events, uniques), over the whole
    # period: ``total`` rows and the widget dimension (chooser suggestions).
    pages: dict = field(default_factory=dict)

    def _total(self, kind):
        """(events, uniques) of one kind over the period."""
        return self.counts.get((kind, TOTAL, ""), (0, 0))

    @property
    def page_views(self):
        """Article page views."""
        return self._total(VIEW)[0]

    @property
    def unique_visitors(self):
        """Visitors with a page view (daily keys, summed over days)."""
        return self._total(VIEW)[1]

    @property
    def booking_clicks(self):
        """Every counted click on a booking button."""
        return self._total(CLICK)[0]

    @property
    def unique_clickers(self):
        """Booking clicks that were not repeats within 30 minutes."""
        return self._total(CLICK)[1]

    @property
    def calls(self):
        """Every counted press on the practice's phone number."""
        return self._total(CALL)[0]

    @property
    def unique_callers(self):
        """Calls that were not repeats within 30 minutes."""
        return self._total(CALL)[1]

    @property
    def widget_events(self):
        """Uses of the page's widgets."""
        return self._total(WIDGET)[0]

    @property
    def click_through_rate(self):
        """Unique clickers per unique visitor (0..1), or None without visitors."""
        return rate(self.unique_clickers, self.unique_visitors)

    @property
    def filtered(self):
        """Events not counted, by reason (every reason present)."""
        totals = dict.fromkeys(REASONS, 0)
        for (reason, _kind), count in self.filtered_by_kind.items():
            totals[reason] = totals.get(reason, 0) + count
        return totals

    def breakdown(self, kind, dimension):
        """``[(value, events, uniques)]`` for one dimension, biggest first."""
        rows = [
            (value, count, uniques)
            for (k, dim, value), (count, uniques) in self.counts.items()
            if k == kind and dim == dimension
        ]
        return sorted(rows, key=lambda row: (-row[1], row[0]))

    def daily(self):
        """One dict per day of the period (days without events included)."""
        days = []
        day = self.start
        while day <= self.end:
            totals = self.by_day.get(day.isoformat(), {})
            views, visitors = totals.get(VIEW, (0, 0))
            clicks, clickers = totals.get(CLICK, (0, 0))
            days.append(
                {
                    "day": day.isoformat(),
                    "page_views": views,
                    "unique_visitors": visitors,
                    "booking_clicks": clicks,
                    "unique_clickers": clickers,
                    "widget_events": totals.get(WIDGET, (0, 0))[0],
                    "calls": totals.get(CALL, (0, 0))[0],
                    "unique_callers": totals.get(CALL, (0, 0))[1],
                }
            )
            day += datetime.timedelta(days=1)
        return days

    def widget_groups(self):
        """Readers who used a widget and who did not, with each group's CTR."""
        groups = {}
        for group in (USED, NOT_USED):
            readers, clickers = self.counts.get((VISITORS, WIDGET_USE, group), (0, 0))
            groups[group] = {
                "visitors": readers,
                "clickers": clickers,
                "click_through_rate": rate(clickers, readers),
            }
        return groups

    def heatmap(self):
        """Booking clicks as 7 rows (Monday first) of 24 hours, local time."""
        return [[self.click_hours[(wd, hour)] for hour in range(24)] for wd in range(7)]

    def totals(self):
        """The headline numbers as one JSON-ready dict."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": (self.end - self.start).days + 1,
            "page_views": self.page_views,
            "unique_visitors": self.unique_visitors,
            "booking_clicks": self.booking_clicks,
            "unique_clickers": self.unique_clickers,
            "click_through_rate": self.click_through_rate,
            "widget_events": self.widget_events,
            "filtered": self.filtered,
            "calls": self.calls,
            "unique_callers": self.unique_callers,
        }


# The widget dimension: its "chooser:<outcome>" values are chooser suggestions.
CHOOSER_DIMENSION = "widget"


def report(db, start, end, page=ALL_PAGES):
    """All numbers for the local days ``start``..``end`` (inclusive); reads only.

    ``page``: the whole site (ALL_PAGES) or one page's address.
    """
    first, last = start.isoformat(), end.isoformat()
    # The newest day of the period, if not rolled up, is summarised
    # incrementally (normally it is today, growing as we speak).
    live_day = last
    result = Report(start, end, page=page)
    # UP_TO_DATE is our own SQL, never input: S608 does not apply.
    with _snapshot(db):
        rolled = {
            row[0]
            for row in db.execute(
                "SELECT day FROM rolled_days WHERE day BETWEEN ? AND ? "  # noqa: S608
                f"AND {UP_TO_DATE}",
                [first, last],
            )
        }
        for kind, dim, value, count, uniques in db.execute(
            "SELECT kind, dimension, value, sum(events), sum(uniques) "  # noqa: S608
            "FROM daily_counts WHERE page = ? AND day BETWEEN ? AND ? "
            f"AND {UP_TO_DATE} GROUP BY kind, dimension, value",
            [page, first, last],
        ):
            result.counts[(kind, dim, value)] = (count, uniques)
        for day, kind, count, uniques in db.execute(
            "SELECT day, kind, events, uniques FROM daily_counts "  # noqa: S608
            "WHERE page = ? AND day BETWEEN ? AND ? AND dimension = ? "
            f"AND {UP_TO_DATE}",
            [page, first, last, TOTAL],
        ):
            result.by_day.setdefault(day, {})[kind] = (count, uniques)
        for day, hour, count in db.execute(
            "SELECT day, value, events FROM daily_counts WHERE page = ? "  # noqa: S608
            "AND day BETWEEN ? AND ? AND kind = ? AND dimension = 'hour' "
            f"AND {UP_TO_DATE}",
            [page, first, last, CLICK],
        ):
            result.click_hours[(_weekday(day), int(hour))] += count
        for row_page, kind, dim, value, count, uniques in db.execute(
            "SELECT page, kind, dimension, value, sum(events), sum(uniques) "  # noqa: S608
            "FROM daily_counts WHERE dimension IN (?, ?) AND day BETWEEN ? AND ? "
            f"AND page != ? AND {UP_TO_DATE} "
            "GROUP BY page, kind, dimension, value",
            [TOTAL, CHOOSER_DIMENSION, first, last, ALL_PAGES],
        ):
            result.pages.setdefault(row_page, {})[(kind, dim, value)] = (
                count,
                uniques,
            )
        for run_first, run_last in _unrolled_runs(start, end, rolled):
            if run_last == live_day:
                _add_live(result, summarise_today(db, live_day))
                run_last = (end - datetime.timedelta(days=1)).isoformat()
            if run_first <= run_last:
                _add_live(result, summarise_days(db, run_first, run_last))
        for reason, kind, count in db.execute(
            "SELECT reason, kind, sum(events) FROM filtered_daily "
            "WHERE day BETWEEN ? AND ? GROUP BY reason, kind",
            [first, last],
        ):
            result.filtered_by_kind[(reason, kind)] += count
    return result


def _add_live(result, summary):
    """Merge a live summary of raw events into a report."""
    for (day, page, kind, dim, value), (count, uniques) in summary.items():
        if page != ALL_PAGES and dim in (TOTAL, CHOOSER_DIMENSION):
            counts = result.pages.setdefault(page, {})
            old = counts.get((kind, dim, value), (0, 0))
            counts[(kind, dim, value)] = (old[0] + count, old[1] + uniques)
        if page != result.page:
            continue
        old = result.counts.get((kind, dim, value), (0, 0))
        result.counts[(kind, dim, value)] = (old[0] + count, old[1] + uniques)
        if dim == TOTAL:
            result.by_day.setdefault(day, {})[kind] = (count, uniques)
        elif kind == CLICK and dim == "hour":
            result.click_hours[(_weekday(day), int(value))] += count


def _unrolled_runs(start, end, rolled):
    """Runs ``(first, last)`` of consecutive days in the period not rolled up."""
    runs = []
    day = start
    while day <= end:
        if day.isoformat() not in rolled:
            if runs and runs[-1][2] == day - datetime.timedelta(days=1):
                runs[-1][1], runs[-1][2] = day.isoformat(), day
            else:
                runs.append([day.isoformat(), day.isoformat(), day])
        day += datetime.timedelta(days=1)
    return [(first, last) for first, last, _ in runs]


def _weekday(day):
    """Weekday of an ISO date, Monday = 0."""
    return datetime.date.fromisoformat(day).weekday()


@contextmanager
def _snapshot(db):
    """A read transaction: every query sees the same state of the database."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.conn.rollback()


def first_day(db):
    """The first local day with any data (ISO date), or None."""
    days = [
        db.execute(f"SELECT min(day) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("events", "daily_counts", "filtered_daily")
    ]
    days = [day for day in days if day]
    return datetime.date.fromisoformat(min(days)) if days else None


def raw_events(db, start, end, page=ALL_PAGES):
    """Raw events of the local days ``start``..``end`` as dicts, oldest first.

    Days already pruned have no raw events left (their totals stay in rollups).
    ``page``: every page's events (ALL_PAGES) or one page's.
    """
    where, params = "day BETWEEN ? AND ?", [start.isoformat(), end.isoformat()]
    if page != ALL_PAGES:
        where, params = where + " AND page = ?", [*params, page]
    cursor = db.execute(
        "SELECT {} FROM events WHERE {} ORDER BY ts, id".format(  # noqa: S608
            ", ".join(EXPORT_COLUMNS), where
        ),
        params,
    )
    for row in cursor:
        yield dict(zip(EXPORT_COLUMNS, row, strict=True))


def has_tracking_data(db):
    """True when any event, rollup or filtered tally is stored."""
    return any(
        db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()  # noqa: S608
        for table in ("events", "daily_counts", "filtered_daily")
    )


def has_reader_event(db):
    """True once any reader's page view, click or widget use is counted.

    Until then the dashboard is the first-day checklist. Requests not counted
    (bots, previews, the owner) do not end it.
    """
    raw = db.execute("SELECT 1 FROM events LIMIT 1").fetchone()
    rolled = db.execute("SELECT 1 FROM daily_counts WHERE events > 0 LIMIT 1")
    return bool(raw or rolled.fetchone())


def period_totals(db, start, end, page=ALL_PAGES):
    """``report(db, start, end, page).totals()``, cheaper for days all rolled up.

    The dashboard compares with the previous period, which needs only the
    headline totals: read just the ``total`` rollup rows when every day of the
    period is rolled up, else fall back to a full report.
    """
    first, last = start.isoformat(), end.isoformat()
    with _snapshot(db):
        rolled = db.execute(
            "SELECT count(*) FROM rolled_days WHERE day BETWEEN ? AND ? "  # noqa: S608
            f"AND {UP_TO_DATE}",
            [first, last],
        ).fetchone()[0]
        if rolled != (end - start).days + 1:
            whole = None
        else:
            whole = Report(start, end, page=page)
            for kind, count, uniques in db.execute(
                "SELECT kind, sum(events), sum(uniques) FROM daily_counts WHERE "
                "page = ? AND day BETWEEN ? AND ? AND dimension = ? GROUP BY kind",
                [page, first, last, TOTAL],
            ):
                whole.counts[(kind, TOTAL, "")] = (count, uniques)
            for reason, kind, count in db.execute(
                "SELECT reason, kind, sum(events) FROM filtered_daily "
                "WHERE day BETWEEN ? AND ? GROUP BY reason, kind",
                [first, last],
            ):
                whole.filtered_by_kind[(reason, kind)] += count
    if whole is None:
        whole = report(db, start, end, page)
    return whole.totals()
