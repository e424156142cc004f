"""Storing a reading as a new import batch, ``CHUNK_ROWS`` bookings at a time.

A store takes four steps, each its own short write transaction or several:

1. ``_begin``: the new batch's row, pending (``confirmed_at`` empty) and
   marked as being stored (``transit``); every other pending batch (a
   preview this upload replaces, a store another upload started) is marked
   for removal.
2. The marked batches are removed, so a booking of a replaced preview is
   never taken for a duplicate.
3. ``_store_chunk``: each chunk of bookings, with the status changes it
   would make and the duplicates it met. Before each chunk the batch must
   still be the one being stored: another upload, or an undo, stops it.
4. ``_finish``: the counts, the confirmation for the command line (status
   changes applied), and the mark taken off.

Until the last step the batch counts nowhere and is no preview, so the
store is all or nothing as the owner sees it; a failure on the way removes
what was stored, and a store whose worker was killed is removed by the next
upload (or after ``PENDING_HOURS``, see ``batches.discard_stale``). A dry
run only reads.
"""

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..core.db import immediate, read_meta, write_meta
from . import status_changes, transit
from .limits import CHUNK_ROWS
from .summary import CANCELLED_STATUSES, CONFIRMED_BOOKINGS

logger = logging.getLogger(__name__)

LAST_BATCH_KEY = "bookings_last_batch"
BOOKING_COLUMNS = (
    "batch",
    "fingerprint",
    "day",
    "booked_on",
    "appointment",
    "service",
    "price_cents",
    "status",
    "source",
    "new_client",
)
_INSERT = (
    "INSERT OR IGNORE INTO bookings (batch, fingerprint, day, booked_on, appointment,"
    " service, price_cents, status, source, new_client)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Run before the chunk's own bookings are inserted: a fingerprint stored by
# then belongs to another batch, and this one met it as a duplicate.
_SEEN = (
    "INSERT OR IGNORE INTO booking_batch_duplicates (batch, fingerprint)"
    " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM bookings WHERE fingerprint = ?)"
)
# Fingerprints a dry run looks up per query (well under SQLite's variable limit).
LOOKUP_CHUNK = 500


@dataclass
class Stored:
    """What storing a reading did (or, for a dry run, would do)."""

    batch: int
    rows_read: int
    added: int
    kept: int
    duplicates: int
    cancelled: int
    no_show: int
    dry_run: bool = False
    # Bookings already stored that take this file's status (pending: will).
    status_changes: int = 0
    # ``[(previous, status, how many)]``, most first.
    changes: list = field(default_factory=list)


class Interrupted(Exception):
    """Another upload or an undo began while this file was being stored."""

    def __init__(self):
        super().__init__(
            "another import or an undo began while this file was being stored, "
            "so nothing from it was kept; import it again"
        )


def now_text(now=None):
    """A UTC timestamp as stored: ``2025-03-18T14:30:00+00:00``."""
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


def last_batch_id(db):
    """The highest batch number ever given out (0 before the first import)."""
    last_given = int(read_meta(db, LAST_BATCH_KEY) or 0)
    last_stored = db.execute("SELECT max(id) FROM import_batches").fetchone()[0] or 0
    return max(last_given, last_stored)


def store(db, reading, file_name, *, confirmed, dry_run=False, now=None):
    """Store ``reading`` as a new batch, a chunk at a time; return a ``Stored``."""
    if dry_run:
        return _dry_run(db, reading)
    batch = _begin(db, reading, file_name, now)
    try:
        transit.remove_hidden(db)
        bookings = reading.bookings
        for start in range(0, len(bookings), CHUNK_ROWS):
            _store_chunk(db, batch, bookings[start : start + CHUNK_ROWS])
        return _finish(db, batch, reading.rows_read, confirmed, now)
    except BaseException:
        _abandon(db, batch)
        raise


def _begin(db, reading, file_name, now):
    """The new batch's row, marked as being stored; other pending ones marked."""
    with immediate(db):
        pending = db.execute("SELECT id FROM import_batches WHERE confirmed_at = ''")
        transit.hide(db, [row[0] for row in pending.fetchall()])
        # SQLite would hand a deleted batch's number out again: a stale
        # Confirm or Undo button (another tab, a replaced preview) must never
        # act on a different import, so the last number given is kept.
        batch = last_batch_id(db) + 1
        write_meta(db, LAST_BATCH_KEY, str(batch))
        db.execute(
            "INSERT INTO import_batches (id, imported_at, confirmed_at, file_name,"
            " rows_read, kept, duplicates, dropped_columns)"
            " VALUES (?, ?, '', ?, ?, 0, 0, ?)",
            [
                batch,
                now_text(now),
                file_name,
                reading.rows_read,
                json.dumps(reading.dropped_columns),
            ],
        )
        transit.start_storing(db, batch)
    return batch


def _store_chunk(db, batch, bookings):
    """Store one chunk of ``batch``'s bookings in one short write transaction."""
    started = time.monotonic()
    with immediate(db):
        if transit.storing(db) != batch:
            raise Interrupted
        status_changes.record(db, batch, bookings)
        db.conn.executemany(
            _SEEN, ([batch, b["fingerprint"], b["fingerprint"]] for b in bookings)
        )
        db.conn.executemany(
            _INSERT,
            ([batch, *(b[c] for c in BOOKING_COLUMNS[1:])] for b in bookings),
        )
    transit.step_aside(started)


def _finish(db, batch, rows_read, confirmed, now):
    """Count the batch, confirm it if asked, and take the mark off."""
    with immediate(db):
        if transit.storing(db) != batch:
            raise Interrupted
        by_status = db.execute(
            "SELECT status, count(*) FROM bookings WHERE batch = ? GROUP BY status",
            [batch],
        ).fetchall()
        stored = _stored(batch, rows_read, dict(by_status))
        if confirmed:
            # A confirmed import changes statuses now; a preview only records.
            db.execute(
                "UPDATE import_batches SET confirmed_at = ? WHERE id = ?",
                [now_text(now), batch],
            )
            stored.status_changes = status_changes.apply(db, batch)
        else:
            stored.status_changes = db.execute(
                "SELECT count(*) FROM booking_status_changes WHERE batch = ?", [batch]
            ).fetchone()[0]
        stored.changes = status_changes.counts(db, batch)
        db.execute(
            "UPDATE import_batches SET kept = ?, duplicates = ?, cancelled = ?,"
            " no_show = ?, status_changes = ? WHERE id = ?",
            [
                stored.kept,
                stored.duplicates,
                stored.cancelled,
                stored.no_show,
                stored.status_changes,
                batch,
            ],
        )
        transit.done_storing(db)
    return stored


def _abandon(db, batch):
    """After a failure: remove what ``batch`` stored (or leave it marked)."""
    try:
        if db.conn.in_transaction:
            db.conn.rollback()
        with immediate(db):
            if transit.storing(db) == batch:
                transit.hide(db, [batch])
        transit.remove_hidden(db)
    except Exception:
        # Still marked as being stored or removed: it counts nowhere, and the
        # next upload (or a day's wait) removes it.
        logger.exception("could not remove the bookings of unfinished import %s", batch)


def _stored(batch, rows_read, by_status, dry_run=False):
    """A ``Stored`` from the added bookings' count by status."""
    added = sum(by_status.values())
    return Stored(
        batch=batch,
        rows_read=rows_read,
        added=added,
        kept=added - sum(by_status.get(s, 0) for s in CANCELLED_STATUSES),
        duplicates=rows_read - added,
        cancelled=by_status.get("cancelled", 0),
        no_show=by_status.get("no-show", 0),
        dry_run=dry_run,
    )


def _dry_run(db, reading):
    """What storing ``reading`` would do, found by reading only."""
    # A store replaces every pending batch first: only confirmed bookings
    # make a duplicate or have a status to change.
    fingerprints = [booking["fingerprint"] for booking in reading.bookings]
    known = {}
    for start in range(0, len(fingerprints), LOOKUP_CHUNK):
        chunk = fingerprints[start : start + LOOKUP_CHUNK]
        # Our own constant and "?" marks only are formatted in, never a value.
        rows = db.execute(
            "SELECT bookings.fingerprint, bookings.status"  # noqa: S608
            f" FROM {CONFIRMED_BOOKINGS} WHERE bookings.fingerprint IN"
            f" ({', '.join('?' * len(chunk))})",
            chunk,
        )
        known.update(rows.fetchall())
    added, changes = Counter(), Counter()
    for booking in reading.bookings:
        previous = known.get(booking["fingerprint"])
        if previous is None:
            added[booking["status"]] += 1
        elif previous != booking["status"]:
            changes[previous, booking["status"]] += 1
    stored = _stored(0, reading.rows_read, added, dry_run=True)
    stored.status_changes = changes.total()
    stored.changes = sorted(
        ((previous, status, n) for (previous, status), n in changes.items()),
        key=lambda change: (-change[2], change[0], change[1]),
    )
    return stored
