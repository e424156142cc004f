"""Daily rollups: every finished day summarised once, so reports stay fast.

Every finished day is summarised once into ``daily_counts`` (rows
``(day, page, kind, dimension, value, events, uniques)``) and marked in
``rolled_days``, by a command (``prune``, nightly after the backup, and
``stats``): a page only reads. A report reads the rollups of its rolled days
and summarises the other days (normally just today) live from ``events`` with
the same function, so the numbers are the same either way and a 30-day report
costs about the same with a thousand or a million events stored. A day that
got events after it was rolled up (tracking's ``late_days``) counts as not
rolled up until it is summarised again. ``prune`` deletes raw events of rolled
days only, so totals stay right.

Rollup rows: ``page`` is ALL_PAGES ("*") for the whole site, or an event's
page (an article's address, '' for a click whose link named no article): each
event counts once to the whole site and once to its page, with every
dimension, so one article's dashboard is as complete as the whole site's. The
whole-site rows stay exactly what they were before articles had numbers of
their own (a reader of two articles is one unique visitor there, but counts
on each article's page). ``dimension`` is ``total`` (value '') or one of
DIMENSIONS[kind]; ``uniques`` is distinct visitors for views and widget
events, non-repeat clicks for clicks and non-repeat calls for calls. Kind ``visitors`` /
dimension ``widget_use`` / value ``used`` or ``not-used`` holds, per day, the
visitors who did or did not use a widget (``events``) and how many of them
clicked (``uniques``): on that page, for a page's rows.
"""

import datetime
import threading
from collections import Counter, defaultdict

from ..core.db import immediate
from ..tracking.vocabulary import (
    CALL,
    CLICK,
    EVENT_TEXT_COLUMNS,
    UTM_FIELDS,
    VIEW,
    WIDGET,
)

TOTAL = "total"
# The ``page`` of the whole site's rollup rows (no event's page is "*").
ALL_PAGES = "*"
VISITORS = "visitors"
WIDGET_USE = "widget_use"
USED, NOT_USED = "used", "not-used"

# Breakdowns kept per kind; names are the events columns they come from
# ("widget" is "widget:detail", "hour" the local hour as two digits).
DIMENSIONS = {
    VIEW: ("page", "referrer_host", *UTM_FIELDS, "device", "browser", "hour"),
    CLICK: ("placement", "referrer_host", *UTM_FIELDS, "device", "browser", "hour"),
    WIDGET: ("widget",),
    CALL: ("placement", "referrer_host", *UTM_FIELDS, "device", "browser", "hour"),
}
# Kinds whose uniques are their events that are not repeats (people, not presses).
_UNIQUE_BY_REPEAT = (CLICK, CALL)
# Columns read from ``events`` to summarise a day, in this order: the five
# that every event is counted by first (read by position), then the stored
# text columns, visitor key excepted (it is third already).
SUMMARY_COLUMNS = (
    "day",
    "kind",
    "visitor",
    "repeat",
    "hour",
    *(column for column in EVENT_TEXT_COLUMNS if column != "visitor"),
)
# Column lists are our own constants, never input: S608 does not apply.
_SUMMARY_SELECT = "SELECT {} FROM events".format(", ".join(SUMMARY_COLUMNS))  # noqa: S608
# Where a day's rollup holds all its events: not marked late by tracking.
UP_TO_DATE = "day NOT IN (SELECT day FROM late_days)"
PRUNE_BATCH = 5000


# --- Summarising raw events ------------------------------------------------------


def summarise(rows):
    """Rollup counts of raw event rows: {(day, page, kind, dimension, value): (n, u)}.

    ``rows`` are tuples in ``SUMMARY_COLUMNS`` order.
    """
    summary = Summary()
    summary.add(rows)
    return summary.result()


_COLUMN_INDEX = {name: i for i, name in enumerate(SUMMARY_COLUMNS)}
_PAGE, _WIDGET, _DETAIL = (_COLUMN_INDEX[c] for c in ("page", "widget", "detail"))
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
        # (day, page, visitor) -> [used a widget, clicked]
        self.readers = {}

    def add(self, rows):
        """Count more raw event rows."""
        plain, events, visitors = _PLAIN_DIMENSIONS, self.events, self.visitors
        for row in rows:
            day, kind, visitor, repeat = row[0], row[1], row[2], row[3]
            if kind not in plain:
                continue
            dims = [(TOTAL, "")]
            dims.extend((dim, row[i]) for dim, i in plain[kind])
            if kind == WIDGET:
                dims.append(("widget", f"{row[_WIDGET]}:{row[_DETAIL]}"))
            else:
                dims.append(("hour", f"{row[4]:02d}"))
            for page in (ALL_PAGES, row[_PAGE]):
                keys = [(day, page, kind, dim, value) for dim, value in dims]
                for key in keys:
                    events[key] += 1
                if kind in _UNIQUE_BY_REPEAT:
                    if not repeat:
                        for key in keys:
                            self.unique_clicks[key] += 1
                else:
                    for key in keys:
                        visitors[key].add(visitor)
                flags = self.readers.setdefault((day, page, visitor), [False, False])
                if kind == WIDGET:
                    flags[0] = True
                elif kind == CLICK:
                    flags[1] = True

    def result(self):
        """The counts so far: {(day, page, kind, dimension, value): (n, uniques)}."""
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
        for (day, page, _visitor), (used, clicked) in self.readers.items():
            use = USED if used else NOT_USED
            group = groups[(day, page, VISITORS, WIDGET_USE, use)]
            group[0] += 1
            group[1] += clicked
        counts.update((key, tuple(value)) for key, value in groups.items())
        return counts


def summarise_days(db, first, last):
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


def summarise_today(db, day):
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
    """Roll up each finished day not rolled up, late ones again; returns how many."""
    last = db.execute("SELECT max(day) FROM rolled_days").fetchone()[0]
    if last is not None:
        day = datetime.date.fromisoformat(last) + datetime.timedelta(days=1)
    else:
        first = db.execute("SELECT min(day) FROM events").fetchone()[0]
        if first is None:
            return 0
        day = datetime.date.fromisoformat(first)
    late = db.execute("SELECT day FROM late_days WHERE day < ?", [today.isoformat()])
    rolled = sum(rollup_day(db, late_day) for (late_day,) in late.fetchall())
    while day < today:
        rolled += rollup_day(db, day.isoformat())
        day += datetime.timedelta(days=1)
    return rolled


def rollup_day(db, day):
    """Summarise one finished day into ``daily_counts``; 0 if done and not late."""
    with immediate(db):
        late = db["late_days"].count_where("day = ?", [day])
        if not late and db["rolled_days"].count_where("day = ?", [day]):
            return 0
        db["daily_counts"].delete_where("day = ?", [day])
        add_to_rollups(db, summarise_days(db, day, day))
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        db["rolled_days"].insert({"day": day, "rolled_at": now}, replace=True)
        # Tracking's mark is settled in the transaction that rolls the day again.
        db["late_days"].delete_where("day = ?", [day])
    return 1


def add_to_rollups(db, summary):
    """Add a summary to ``daily_counts`` (the caller holds a transaction)."""
    db.conn.executemany(
        "INSERT INTO daily_counts "
        "(day, page, kind, dimension, value, events, uniques) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (day, page, kind, dimension, value) DO UPDATE SET "
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
                "DELETE FROM events WHERE id IN (SELECT id FROM events "  # noqa: S608
                "WHERE day < ? AND day IN (SELECT day FROM rolled_days) "
                f"AND {UP_TO_DATE} LIMIT ?)",
                [cutoff, PRUNE_BATCH],
            )
        deleted += cursor.rowcount
        if cursor.rowcount < PRUNE_BATCH:
            return deleted
