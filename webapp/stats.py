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
    filtered          what was not counted, by reason (see webapp/tracking.py).

Speed: every finished day is summarised once into ``daily_counts`` (rows
``(day, kind, dimension, value, events, uniques)``) and marked in
``rolled_days``. A report reads the rollups of its rolled days and summarises
the other days (normally just today) live from ``events`` with the same
function, so the numbers are the same either way and a 30-day report costs
about the same with a thousand or a million events stored. ``prune`` deletes
raw events of rolled days only, so totals stay right.

Rollup rows: ``dimension`` is ``total`` (value '') or one of DIMENSIONS[kind];
``uniques`` is distinct visitors for views and widget events, non-repeat
clicks for clicks. Kind ``visitors`` / dimension ``widget_use`` / value
``used`` or ``not-used`` holds, per day, the visitors who did or did not use a
widget (``events``) and how many of them clicked (``uniques``).
"""

import datetime
import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from .db import immediate
from .placements import UTM_FIELDS
from .tracking import CLICK, REASONS, VIEW, WIDGET

TOTAL = "total"
VISITORS = "visitors"
WIDGET_USE = "widget_use"
USED, NOT_USED = "used", "not-used"

_UTM = UTM_FIELDS
# Breakdowns kept per kind; names are the events columns they come from
# ("widget" is "widget:detail", "hour" the local hour as two digits).
DIMENSIONS = {
    VIEW: ("page", "referrer_host", *_UTM, "device", "browser", "hour"),
    CLICK: ("placement", "referrer_host", *_UTM, "device", "browser", "hour"),
    WIDGET: ("widget",),
}
# Columns read from ``events`` to summarise a day, in this order.
SUMMARY_COLUMNS = (
    "day",
    "kind",
    "visitor",
    "repeat",
    "hour",
    "page",
    "placement",
    "widget",
    "detail",
    "referrer_host",
    *_UTM,
    "device",
    "browser",
)
# Column lists are our own constants, never input: S608 does not apply.
_SUMMARY_SELECT = "SELECT {} FROM events".format(", ".join(SUMMARY_COLUMNS))  # noqa: S608
# Columns offered for export, oldest event first (no visitor key: an export
# file travels further than the database).
EXPORT_COLUMNS = (
    "ts",
    "day",
    "kind",
    "page",
    "placement",
    "widget",
    "detail",
    "referrer_host",
    *_UTM,
    "device",
    "browser",
    "repeat",
)
PRUNE_BATCH = 5000


# --- Summarising raw events ------------------------------------------------------


def summarise(rows):
    """Rollup counts of raw event rows: {(day, kind, dimension, value): (n, u)}.

    ``rows`` are tuples in ``SUMMARY_COLUMNS`` order.
    """
    summary = Summary()
    summary.add(rows)
    return summary.result()


_COLUMN_INDEX = {name: i for i, name in enumerate(SUMMARY_COLUMNS)}
# Per kind: the dimensions whose value is a column as stored.
_PLAIN_DIMENSIONS = {
    kind: [(dim, _COLUMN_INDEX[dim]) for dim in dims if dim not in ("hour", "widget")]
    for kind, dims in DIMENSIONS.items()
}


class Summary:
    """Counts that grow as raw event rows are added (see ``summarise``)."""

    def __init__(self):
        self.events = Counter()
        self.unique_clicks = Counter()
        self.visitors = defaultdict(set)
        # (day, visitor) -> [used a widget, clicked]
        self.readers = {}

    def add(self, rows):
        """Count more raw event rows."""
        plain, events, visitors = _PLAIN_DIMENSIONS, self.events, self.visitors
        for row in rows:
            day, kind, visitor, repeat = row[0], row[1], row[2], row[3]
            if kind not in plain:
                continue
            keys = [(day, kind, TOTAL, "")]
            keys.extend((day, kind, dim, row[i]) for dim, i in plain[kind])
            if kind == WIDGET:
                keys.append((day, kind, "widget", f"{row[7]}:{row[8]}"))
            else:
                keys.append((day, kind, "hour", f"{row[4]:02d}"))
            for key in keys:
                events[key] += 1
            if kind == CLICK:
                if not repeat:
                    for key in keys:
                        self.unique_clicks[key] += 1
            else:
                for key in keys:
                    visitors[key].add(visitor)
            flags = self.readers.setdefault((day, visitor), [False, False])
            if kind == WIDGET:
                flags[0] = True
            elif kind == CLICK:
                flags[1] = True

    def result(self):
        """The counts so far: {(day, kind, dimension, value): (events, uniques)}."""
        counts = {
            key: (
                n,
                len(self.visitors[key])
                if key in self.visitors
                else self.unique_clicks[key],
            )
            for key, n in self.events.items()
        }
        groups = defaultdict(lambda: [0, 0])
        for (day, _visitor), (used, clicked) in self.readers.items():
            group = groups[(day, VISITORS, WIDGET_USE, USED if used else NOT_USED)]
            group[0] += 1
            group[1] += clicked
        counts.update((key, tuple(value)) for key, value in groups.items())
        return counts


def _summarise_days(db, first, last):
    """Live summary of the raw events from day ``first`` to ``last`` (ISO dates)."""
    rows = db.execute(
        _SUMMARY_SELECT + " WHERE day BETWEEN ? AND ?", [first, last]
    ).fetchall()
    return summarise(rows)


# Today's live summary per database file, kept between reports and brought up
# to date with only the events added since: so a report's cost does not grow
# with the day's traffic either. Event ids only grow (one writer at a time),
# so "id > last seen" is exactly the new events.
_live_cache = {}
_live_lock = threading.Lock()
_LIVE_CACHE_SIZE = 8


def _summarise_today(db, day):
    """Live summary of ``day``'s raw events, updated incrementally."""
    path = db.execute("PRAGMA database_list").fetchone()[2]
    with _live_lock:
        entry = _live_cache.get((path, day))
        if entry is not None:
            last_id, last_row, summary = entry
            row = db.execute(
                "SELECT ts, visitor FROM events WHERE id = ?", [last_id]
            ).fetchone()
            if row is None or tuple(row) != last_row:  # replaced or restored file
                entry = None
        if entry is None:
            last_id, summary = 0, Summary()
            cursor = db.execute(
                _SUMMARY_SELECT.replace(" FROM", ", id, ts FROM", 1)
                + " WHERE day = ? ORDER BY id",
                [day],
            )
        else:
            # "+day": walk ids from the last one seen, not the day index.
            cursor = db.execute(
                _SUMMARY_SELECT.replace(" FROM", ", id, ts FROM", 1)
                + " WHERE id > ? AND +day = ? ORDER BY id",
                [last_id, day],
            )
        rows = cursor.fetchall()
        summary.add(rows)
        if rows:
            last_id = rows[-1][-2]
            last_row = (rows[-1][-1], rows[-1][2])
        if last_id:
            if len(_live_cache) >= _LIVE_CACHE_SIZE:
                _live_cache.clear()
            _live_cache[(path, day)] = (last_id, last_row, summary)
        return summary.result()


# --- Rollups and pruning ---------------------------------------------------------


def ensure_rollups(db, today):
    """Roll up every finished day not yet rolled up; returns how many."""
    last = db.execute("SELECT max(day) FROM rolled_days").fetchone()[0]
    if last is None:
        first = db.execute("SELECT min(day) FROM events").fetchone()[0]
        if first is None:
            return 0
        day = datetime.date.fromisoformat(first)
    else:
        day = datetime.date.fromisoformat(last) + datetime.timedelta(days=1)
    rolled = 0
    while day < today:
        rolled += rollup_day(db, day.isoformat())
        day += datetime.timedelta(days=1)
    return rolled


def rollup_day(db, day):
    """Summarise one finished day into ``daily_counts``; 0 if already done."""
    with immediate(db):
        if db.execute("SELECT 1 FROM rolled_days WHERE day = ?", [day]).fetchone():
            return 0
        add_to_rollups(db, _summarise_days(db, day, day))
        db.execute(
            "INSERT INTO rolled_days (day, rolled_at) VALUES (?, ?)",
            [day, datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")],
        )
    return 1


def add_to_rollups(db, summary):
    """Add a summary to ``daily_counts`` (the caller holds a transaction)."""
    db.conn.executemany(
        "INSERT INTO daily_counts (day, kind, dimension, value, events, uniques) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (day, kind, dimension, value) DO UPDATE SET "
        "events = events + excluded.events, uniques = uniques + excluded.uniques",
        [(*key, count, uniques) for key, (count, uniques) in summary.items()],
    )


def prune(db, keep_days, today):
    """Keep raw events of the last ``keep_days`` days (today included); fold the rest.

    Returns the number of raw events deleted. Deletes in small batches so that
    clicks arriving meanwhile never wait long for the write lock.
    """
    ensure_rollups(db, today)
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1: today cannot be rolled up")
    cutoff = (today - datetime.timedelta(days=keep_days - 1)).isoformat()
    deleted = 0
    while True:
        with immediate(db):
            cursor = db.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events "
                "WHERE day < ? AND day IN (SELECT day FROM rolled_days) LIMIT ?)",
                [cutoff, PRUNE_BATCH],
            )
        deleted += cursor.rowcount
        if cursor.rowcount < PRUNE_BATCH:
            return deleted


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
        }


def rate(part, whole):
    """``part / whole`` rounded to four places, or None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


def report(db, start, end, today=None):
    """All numbers for the local days ``start``..``end`` (dates, inclusive).

    With ``today`` given, finished days are rolled up first (a write); if that
    fails (say, a read-only copy), the report is still right, only slower.
    """
    if today is not None:
        try:
            ensure_rollups(db, today)
        except Exception:  # rollups only make reports fast; never required
            if db.conn.in_transaction:
                db.conn.rollback()
    first, last = start.isoformat(), end.isoformat()
    # The newest day of the period, if not rolled up, is summarised
    # incrementally (normally it is today, growing as we speak).
    live_day = last
    result = Report(start, end)
    with _snapshot(db):
        rolled = {
            row[0]
            for row in db.execute(
                "SELECT day FROM rolled_days WHERE day BETWEEN ? AND ?", [first, last]
            )
        }
        for kind, dim, value, count, uniques in db.execute(
            "SELECT kind, dimension, value, sum(events), sum(uniques) "
            "FROM daily_counts WHERE day BETWEEN ? AND ? "
            "GROUP BY kind, dimension, value",
            [first, last],
        ):
            result.counts[(kind, dim, value)] = (count, uniques)
        for day, kind, count, uniques in db.execute(
            "SELECT day, kind, events, uniques FROM daily_counts "
            "WHERE day BETWEEN ? AND ? AND dimension = ?",
            [first, last, TOTAL],
        ):
            result.by_day.setdefault(day, {})[kind] = (count, uniques)
        for day, hour, count in db.execute(
            "SELECT day, value, events FROM daily_counts "
            "WHERE day BETWEEN ? AND ? AND kind = ? AND dimension = 'hour'",
            [first, last, CLICK],
        ):
            result.click_hours[(_weekday(day), int(hour))] += count
        for run_first, run_last in _unrolled_runs(start, end, rolled):
            if run_last == live_day:
                _add_live(result, _summarise_today(db, live_day))
                run_last = (end - datetime.timedelta(days=1)).isoformat()
            if run_first <= run_last:
                _add_live(result, _summarise_days(db, run_first, run_last))
        for reason, kind, count in db.execute(
            "SELECT reason, kind, sum(events) FROM filtered_daily "
            "WHERE day BETWEEN ? AND ? GROUP BY reason, kind",
            [first, last],
        ):
            result.filtered_by_kind[(reason, kind)] += count
    return result


def _add_live(result, summary):
    """Merge a live summary of raw events into a report."""
    for (day, kind, dim, value), (count, uniques) in summary.items():
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


def raw_events(db, start, end):
    """Raw events of the local days ``start``..``end`` as dicts, oldest first.

    Days already pruned have no raw events left (their totals stay in rollups).
    """
    cursor = db.execute(
        "SELECT {} FROM events WHERE day BETWEEN ? AND ? ORDER BY ts, id".format(  # noqa: S608
            ", ".join(EXPORT_COLUMNS)
        ),
        [start.isoformat(), end.isoformat()],
    )
    for row in cursor:
        yield dict(zip(EXPORT_COLUMNS, row, strict=True))


def has_tracking_data(db):
    """True when any event, rollup or filtered tally is stored."""
    return any(
        db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()  # noqa: S608
        for table in ("events", "daily_counts", "filtered_daily")
    )


def period_totals(db, start, end):
    """``report(db, start, end).totals()``, cheaper for days all rolled up.

    The dashboard compares with the previous period, which needs only the
    headline totals: read just the ``total`` rollup rows when every day of the
    period is rolled up, else fall back to a full report.
    """
    first, last = start.isoformat(), end.isoformat()
    with _snapshot(db):
        rolled = db.execute(
            "SELECT count(*) FROM rolled_days WHERE day BETWEEN ? AND ?", [first, last]
        ).fetchone()[0]
        if rolled != (end - start).days + 1:
            whole = None
        else:
            whole = Report(start, end)
            for kind, count, uniques in db.execute(
                "SELECT kind, sum(events), sum(uniques) FROM daily_counts "
                "WHERE day BETWEEN ? AND ? AND dimension = ? GROUP BY kind",
                [first, last, TOTAL],
            ):
                whole.counts[(kind, TOTAL, "")] = (count, uniques)
            for reason, kind, count in db.execute(
                "SELECT reason, kind, sum(events) FROM filtered_daily "
                "WHERE day BETWEEN ? AND ? GROUP BY reason, kind",
                [first, last],
            ):
                whole.filtered_by_kind[(reason, kind)] += count
    if whole is None:
        whole = report(db, start, end)
    return whole.totals()
