"""Storing a reading as a new import batch, ``CHUNK_ROWS`` bookings at a time.

A store takes four steps, each its own short write transaction or several:

1. ``_begin``: the new batch's row, pending (``confirmed_at`` empty) and
   marked as being stored (``transit``); every other pending batch (a
   preview this upload replaces, a store another upload started) is marked
   for removal.
2. The marked batches are removed, so a booking of a replaced preview is
   never taken for a duplicate.
3. ``_store_chunk``: each chunk of bookings, each one new or met again
   (``matching``: by its id's keyed hash, else its fingerprint), with what
   it changes on the one met (``status_changes``) and the duplicates it met.
   Before each chunk the batch must still be the one being stored: another
   upload, or an undo, stops it.
4. ``_finish``: the counts, the confirmation for the command line (changes
   applied), and the mark taken off; a file that adds and changes nothing
   leaves no batch (``Stored.nothing_new``).

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
from ..core.formatting import counted
from . import matching, status_changes, transit
from .limits import CHUNK_ROWS
from .statuses import KEPT_STATUSES

logger = logging.getLogger(__name__)

LAST_BATCH_KEY = "bookings_last_batch"
BOOKING_COLUMNS = ("batch", *matching.STORED_FIELDS)
# What a batch's row counts, as ``Stored`` counts it.
_COUNTED = (
    "kept",
    "duplicates",
    "cancelled",
    "no_show",
    "pending",
    "status_changes",
    "updated",
)
# A booking stored without an id takes the one an export gives it.
_ADOPT = (
    "UPDATE OR IGNORE bookings SET platform_key = ? WHERE id = ? AND platform_key = ''"
)


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
    # Waiting for the platform's confirmation: stored, never counted as kept.
    pending: int = 0
    dry_run: bool = False
    # Bookings already stored that take this file's status (pending: will).
    status_changes: int = 0
    # Bookings named by their id that take this file's price, time, status...
    updated: int = 0
    # ``[(previous, status, how many)]``, most first.
    changes: list = field(default_factory=list)

    @property
    def nothing_new(self):
        """Whether the file adds and changes nothing (no batch is recorded)."""
        return not (self.added or self.updated or self.status_changes)

    def nothing_new_text(self):
        """The owner's line for a file with nothing new."""
        return (
            f"Nothing new in this file: {counted(self.duplicates, 'booking')}"
            " already imported."
        )


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
    """Store ``reading`` as a new batch, a chunk at a time; return a ``Stored``.

    A file that adds and changes nothing records no batch (``batch`` 0).
    """
    if dry_run:
        return _dry_run(db, reading)
    batch, key = _begin(db, reading, file_name, now)
    try:
        transit.remove_hidden(db)
        bookings = reading.bookings
        keys = matching.platform_keys(bookings, key)
        for start in range(0, len(bookings), CHUNK_ROWS):
            end = start + CHUNK_ROWS
            _store_chunk(db, batch, bookings[start:end], keys[start:end])
        stored = _finish(db, batch, reading, confirmed, now)
    except BaseException:
        _abandon(db, batch)
        raise
    if stored.nothing_new:
        transit.remove_hidden(db)
    return stored


def _begin(db, reading, file_name, now):
    """The new batch's row, marked as being stored; other pending ones marked.

    Returns the batch and the key booking ids are hashed with (made now, in
    the same write, for the first file that has ids).
    """
    with immediate(db):
        pending = db.execute("SELECT id FROM import_batches WHERE confirmed_at = ''")
        transit.hide(db, [row[0] for row in pending.fetchall()])
        # SQLite would hand a deleted batch's number out again: a stale
        # Confirm or Undo button (another tab, a replaced preview) must never
        # act on a different import, so the last number given is kept.
        batch = last_batch_id(db) + 1
        write_meta(db, LAST_BATCH_KEY, str(batch))
        db["import_batches"].insert(
            {
                "id": batch,
                "imported_at": now_text(now),
                "file_name": file_name,
                "rows_read": reading.rows_read,
                "kept": 0,
                "duplicates": 0,
                "dropped_columns": json.dumps(reading.dropped_columns),
                "skipped_rows": len(reading.skipped_rows),
            }
        )
        has_ids = any(booking.get("platform_id") for booking in reading.bookings)
        key = matching.id_key(db, create=has_ids)
        transit.start_storing(db, batch)
    return batch, key


def _store_chunk(db, batch, bookings, keys):
    """Store one chunk of ``batch``'s bookings in one short write transaction."""
    started = time.monotonic()
    with immediate(db):
        if transit.storing(db) != batch:
            raise Interrupted
        pairs = matching.match(db, bookings, keys)
        met = [(row, stored) for row, stored in pairs if stored is not None]
        status_changes.record(db, batch, met)
        db.conn.executemany(_ADOPT, matching.adoptions(met))
        # The bookings each batch met already stored, so that undo keeps them.
        db["booking_batch_duplicates"].insert_all(
            ({"batch": batch, "fingerprint": s["fingerprint"]} for _, s in met),
            ignore=True,
        )
        # A booking already stored is met again, not added (OR IGNORE: the
        # unique fingerprint and platform key are the last guard).
        db["bookings"].insert_all(
            ({"batch": batch, **row} for row, stored in pairs if stored is None),
            ignore=True,
        )
    transit.step_aside(started)


def _finish(db, batch, reading, confirmed, now):
    """Count the batch, confirm it if asked, and take the mark off.

    A batch that adds and changes nothing is marked for removal instead.
    """
    with immediate(db):
        if transit.storing(db) != batch:
            raise Interrupted
        by_status = db.execute(
            "SELECT status, count(*) FROM bookings WHERE batch = ? GROUP BY status",
            [batch],
        ).fetchall()
        stored = _stored(batch, len(reading.bookings), dict(by_status))
        stored.status_changes, stored.updated = status_changes.tally(db, batch)
        if stored.nothing_new:
            # Nothing to confirm, list or undo: the batch goes as it came.
            transit.hide(db, [batch])
            stored.batch = 0
            return stored
        if confirmed:
            # A confirmed import changes bookings now; a preview only records.
            db["import_batches"].update(batch, {"confirmed_at": now_text(now)})
            stored.status_changes, stored.updated = status_changes.apply(db, batch)
        stored.changes = status_changes.counts(db, batch)
        counted = {name: getattr(stored, name) for name in _COUNTED}
        db["import_batches"].update(batch, counted)
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


def _stored(batch, bookings, by_status, dry_run=False):
    """A ``Stored`` from the added bookings' count by status."""
    added = sum(by_status.values())
    return Stored(
        batch=batch,
        rows_read=bookings,
        added=added,
        kept=sum(by_status.get(status, 0) for status in KEPT_STATUSES),
        duplicates=bookings - added,
        cancelled=by_status.get("cancelled", 0),
        no_show=by_status.get("no-show", 0),
        pending=by_status.get("pending", 0),
        dry_run=dry_run,
    )


def _dry_run(db, reading):
    """What storing ``reading`` would do, found by reading only."""
    # A store replaces every pending batch first: only confirmed bookings
    # are met again (``matching`` reads confirmed bookings only).
    keys = matching.platform_keys(reading.bookings, matching.id_key(db))
    added, changes = Counter(), Counter()
    updated = 0
    for row, stored in matching.match(db, reading.bookings, keys):
        if stored is None:
            added[row["status"]] += 1
            continue
        record = status_changes.change(row, stored)
        if record is None:
            continue
        updated += record["by_id"]
        if record["status"] != record["previous"]:
            changes[record["previous"], record["status"]] += 1
    stored = _stored(0, len(reading.bookings), added, dry_run=True)
    stored.status_changes = changes.total()
    stored.updated = updated
    stored.changes = sorted(
        ((previous, status, n) for (previous, status), n in changes.items()),
        key=lambda change: (-change[2], change[0], change[1]),
    )
    return stored
