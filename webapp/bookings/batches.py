"""Import batches: storing a reading, confirming a preview, listing, undoing.

A batch is stored whole or not at all (one ``BEGIN IMMEDIATE`` transaction).
A booking whose fingerprint is already stored is a duplicate and is not added
again; if the file gives it another status, the stored booking takes the new
one (``status_changes``: a later export knows better). A batch from the
dashboard waits as "pending" (``confirmed_at`` empty) while the owner looks
at its preview: its bookings count nowhere and its status changes wait until
confirmed. A new import replaces any pending one, and a pending batch older
than ``PENDING_HOURS`` is deleted. Undo removes a batch's bookings and puts
back the statuses it changed; a booking that another confirmed batch also
held (one of its duplicates, ``booking_batch_duplicates``) is not removed but
moves to the newest such batch, so undoing an older overlapping import never
takes away what a later one brought too.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..core.db import immediate, read_meta, write_meta
from . import status_changes
from .summary import CANCELLED_STATUSES

PENDING_HOURS = 24
LAST_BATCH_KEY = "bookings_last_batch"
PREVIEW_ROWS = 10
PREVIEW_COLUMNS = (
    "day",
    "appointment",
    "service",
    "price_cents",
    "status",
    "source",
    "new_client",
)
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
# Run before the batch's own bookings are inserted: a fingerprint stored by
# then belongs to another batch, and this one met it as a duplicate.
_SEEN = (
    "INSERT OR IGNORE INTO booking_batch_duplicates (batch, fingerprint)"
    " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM bookings WHERE fingerprint = ?)"
)
# Each booking of a batch being undone goes to the newest other confirmed
# batch that met it, if any (the same subquery twice: SET and WHERE).
_REHOME = (
    "UPDATE bookings SET batch = (SELECT max(seen.batch)"
    " FROM booking_batch_duplicates AS seen"
    " JOIN import_batches ON import_batches.id = seen.batch"
    " WHERE seen.fingerprint = bookings.fingerprint AND seen.batch != ?1"
    " AND import_batches.confirmed_at != '')"
    " WHERE batch = ?1 AND EXISTS (SELECT 1 FROM booking_batch_duplicates AS seen"
    " JOIN import_batches ON import_batches.id = seen.batch"
    " WHERE seen.fingerprint = bookings.fingerprint AND seen.batch != ?1"
    " AND import_batches.confirmed_at != '')"
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
    dry_run: bool = False
    # Bookings already stored that take this file's status (pending: will).
    status_changes: int = 0
    # ``[(previous, status, how many)]``, most first.
    changes: list = field(default_factory=list)


@dataclass
class Undone:
    """What undoing a batch did."""

    removed: int
    # Bookings whose status the batch had changed, given their previous one.
    restored: int
    # Bookings it added that another confirmed batch also held: kept, moved.
    kept: int = 0


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""

    def __init__(self, stored):
        super().__init__("dry run")
        self.stored = stored


def now_text(now=None):
    """A UTC timestamp as stored: ``2025-03-18T14:30:00+00:00``."""
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


def store(db, reading, file_name, *, confirmed, dry_run=False, now=None):
    """Store ``reading`` as a new batch in one transaction; return a ``Stored``."""
    stamp = now_text(now)
    try:
        with immediate(db):
            _delete_pending(db)
            batch = _next_batch_id(db)
            db.execute(
                "INSERT INTO import_batches (id, imported_at, confirmed_at, file_name,"
                " rows_read, kept, duplicates, dropped_columns)"
                " VALUES (?, ?, ?, ?, ?, 0, 0, ?)",
                [
                    batch,
                    stamp,
                    stamp if confirmed else "",
                    file_name,
                    reading.rows_read,
                    json.dumps(reading.dropped_columns),
                ],
            )
            recorded = status_changes.record(db, batch, reading.bookings)
            db.conn.executemany(
                _SEEN,
                ([batch, b["fingerprint"], b["fingerprint"]] for b in reading.bookings),
            )
            db.conn.executemany(
                _INSERT,
                (
                    [batch, *(b[c] for c in BOOKING_COLUMNS[1:])]
                    for b in reading.bookings
                ),
            )
            stored = _count(db, batch, reading.rows_read, dry_run)
            # A confirmed import changes statuses now; a preview only records.
            stored.status_changes = (
                status_changes.apply(db, batch) if confirmed else recorded
            )
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
            if dry_run:
                raise _DryRun(stored)
    except _DryRun as rolled_back:
        return rolled_back.stored
    return stored


def _next_batch_id(db):
    """A batch number never used before, even by a batch since deleted."""
    # SQLite would hand a deleted batch's number out again: a stale Confirm
    # or Undo button (another tab, a replaced preview) must never act on a
    # different import, so the last number given out is kept in ``meta``.
    last_given = int(read_meta(db, LAST_BATCH_KEY) or 0)
    last_stored = db.execute("SELECT max(id) FROM import_batches").fetchone()[0] or 0
    batch = max(last_given, last_stored) + 1
    write_meta(db, LAST_BATCH_KEY, str(batch))
    return batch


def _count(db, batch, rows_read, dry_run):
    """The added bookings of ``batch`` by status, and the duplicates."""
    by_status = dict(
        db.execute(
            "SELECT status, count(*) FROM bookings WHERE batch = ? GROUP BY status",
            [batch],
        ).fetchall()
    )
    added = sum(by_status.values())
    cancelled = by_status.get("cancelled", 0)
    no_show = by_status.get("no-show", 0)
    return Stored(
        batch=batch,
        rows_read=rows_read,
        added=added,
        kept=added - sum(by_status.get(s, 0) for s in CANCELLED_STATUSES),
        duplicates=rows_read - added,
        cancelled=cancelled,
        no_show=no_show,
        dry_run=dry_run,
    )


def _delete_pending(db, before=None):
    """Delete pending batches (only those imported before ``before``, if given)."""
    rows = db.execute(
        "SELECT id, imported_at FROM import_batches WHERE confirmed_at = ''"
    ).fetchall()
    ids = [
        batch for batch, imported_at in rows if before is None or imported_at < before
    ]
    for batch in ids:
        _drop(db, batch)
    return len(ids)


def _drop(db, batch):
    """Delete a batch, its bookings and its status changes; the bookings removed."""
    status_changes.forget(db, batch)
    db.execute("DELETE FROM booking_batch_duplicates WHERE batch = ?", [batch])
    removed = db.execute("DELETE FROM bookings WHERE batch = ?", [batch]).rowcount
    db.execute("DELETE FROM import_batches WHERE id = ?", [batch])
    return removed


def discard_stale(db, now=None):
    """Delete pending batches older than ``PENDING_HOURS``; return how many."""
    cutoff = now_text((now or datetime.now(UTC)) - timedelta(hours=PENDING_HOURS))
    if not db.execute(
        "SELECT 1 FROM import_batches WHERE confirmed_at = '' AND imported_at < ?",
        [cutoff],
    ).fetchone():
        return 0  # the usual case: no write at all
    with immediate(db):
        return _delete_pending(db, before=cutoff)


def confirm(db, batch, now=None):
    """Confirm a pending batch and apply its status changes; False if not pending."""
    with immediate(db):
        cursor = db.execute(
            "UPDATE import_batches SET confirmed_at = ?"
            " WHERE id = ? AND confirmed_at = ''",
            [now_text(now), batch],
        )
        if cursor.rowcount != 1:
            return False
        changed = status_changes.apply(db, batch)
        db.execute(
            "UPDATE import_batches SET status_changes = ? WHERE id = ?",
            [changed, batch],
        )
        return True


def cancel(db, batch):
    """Discard a pending batch and its waiting changes; False if not pending."""
    with immediate(db):
        if not db.execute(
            "SELECT 1 FROM import_batches WHERE id = ? AND confirmed_at = ''", [batch]
        ).fetchone():
            return False
        _drop(db, batch)
        return True


def undo(db, batch):
    """Delete a batch and its bookings, put back its status changes; None if none."""
    # A booking a later import changed again keeps that later status (see
    # status_changes.revert); the rest get the status they had before.
    with immediate(db):
        row = db.execute(
            "SELECT confirmed_at FROM import_batches WHERE id = ?", [batch]
        ).fetchone()
        if row is None:
            return None
        # A pending batch's changes were never applied: nothing to put back.
        restored = status_changes.revert(db, batch) if row[0] else 0
        kept = _rehome(db, batch)
        return Undone(removed=_drop(db, batch), restored=restored, kept=kept)


def _rehome(db, batch):
    """Move ``batch``'s bookings another confirmed batch also met; return how many."""
    moved = db.execute(_REHOME, [batch]).rowcount
    if moved:
        # Each booking is now its new batch's own, no longer its duplicate.
        db.execute(
            "DELETE FROM booking_batch_duplicates WHERE EXISTS (SELECT 1 FROM"
            " bookings WHERE bookings.fingerprint = booking_batch_duplicates"
            ".fingerprint AND bookings.batch = booking_batch_duplicates.batch)"
        )
    return moved


def _batch_dict(row):
    """A batch row as a dict, its dropped columns as a list."""
    keys = (
        "id",
        "imported_at",
        "confirmed_at",
        "file_name",
        "rows_read",
        "kept",
        "duplicates",
        "cancelled",
        "no_show",
        "status_changes",
        "dropped_columns",
    )
    batch = dict(zip(keys, row, strict=True))
    try:
        batch["dropped_columns"] = json.loads(batch["dropped_columns"] or "[]")
    except ValueError:
        batch["dropped_columns"] = []
    batch["added"] = batch["kept"] + batch["cancelled"] + batch["no_show"]
    return batch


_SELECT_BATCH = (
    "SELECT id, imported_at, confirmed_at, file_name, rows_read, kept, duplicates,"
    " cancelled, no_show, status_changes, dropped_columns FROM import_batches"
)


def list_batches(db):
    """Every confirmed batch, newest first, as dicts."""
    rows = db.execute(
        f"{_SELECT_BATCH} WHERE confirmed_at != '' ORDER BY id DESC"
    ).fetchall()
    return [_batch_dict(row) for row in rows]


def get_batch(db, batch):
    """One batch as a dict, or None."""
    row = db.execute(f"{_SELECT_BATCH} WHERE id = ?", [batch]).fetchone()
    return _batch_dict(row) if row else None


def pending_batch(db):
    """The batch waiting for the owner's confirmation, or None."""
    row = db.execute(
        f"{_SELECT_BATCH} WHERE confirmed_at = '' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return _batch_dict(row) if row else None


def preview_rows(db, batch, limit=PREVIEW_ROWS):
    """The first ``limit`` bookings a batch added, as stored."""
    rows = db.execute(
        "SELECT day, appointment, service, price_cents, status, source, new_client"
        " FROM bookings WHERE batch = ? ORDER BY id LIMIT ?",
        [batch, limit],
    ).fetchall()
    return [dict(zip(PREVIEW_COLUMNS, row, strict=True)) for row in rows]


def status_change_counts(db, batch):
    """``[(previous, status, how many)]`` of the bookings a batch changes."""
    return status_changes.counts(db, batch)
