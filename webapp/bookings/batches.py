"""Import batches: storing a reading, confirming a preview, listing, undoing.

A batch is stored a chunk at a time (``saving``) and counts nowhere until
its last chunk is in. A booking already stored (the same id's keyed hash,
else the same fingerprint: ``matching``) is a duplicate and is not added
again; if the file gives it another status (and, by id, another price, time
or service), the stored booking takes it (``status_changes``: a later export
knows better). A file with nothing new records no batch. A batch from the
dashboard waits as "pending" (``confirmed_at`` empty) while the owner looks
at its preview: its bookings count nowhere and its changes wait until
confirmed. A new import replaces any pending
one, and a pending batch older than ``PENDING_HOURS`` is deleted. Undo
removes a batch's bookings and puts back what it changed; a booking
that another confirmed batch also held (one of its duplicates,
``booking_batch_duplicates``) is not removed but moves to the newest such
batch, so undoing an older overlapping import never takes away what a later
one brought too. A cancelled or undone batch stops counting at once, and its
bookings are then removed a chunk at a time (``transit``).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..core.db import immediate
from . import status_changes, transit
from .limits import PREVIEW_ROWS
from .saving import BOOKING_COLUMNS, Interrupted, Stored, last_batch_id, now_text, store

__all__ = ["BOOKING_COLUMNS", "Interrupted", "Stored", "store"]

PENDING_HOURS = 24
# What cancelling a batch found: done, or why not.
CANCELLED = "cancelled"
ALREADY_CONFIRMED = "confirmed"
NO_LONGER_PENDING = "gone"
NEVER_EXISTED = "unknown"
# Each booking of a batch being undone that another confirmed batch also met
# goes to the newest such batch: found once, then moved, and no longer that
# batch's duplicate but its own. Indexed lookups only, never a table scan.
_REHOMED = (
    "CREATE TEMP TABLE IF NOT EXISTS rehomed"
    " (id INTEGER PRIMARY KEY, fingerprint TEXT, batch INTEGER)"
)
_FIND_HOMES = (
    "INSERT INTO temp.rehomed (id, fingerprint, batch)"
    " SELECT bookings.id, bookings.fingerprint, max(seen.batch) FROM bookings"
    " JOIN booking_batch_duplicates AS seen"
    " ON seen.fingerprint = bookings.fingerprint AND seen.batch != ?1"
    " JOIN import_batches ON import_batches.id = seen.batch"
    " AND import_batches.confirmed_at != ''"
    " WHERE bookings.batch = ?1 GROUP BY bookings.id"
)
_MOVE = (
    "UPDATE bookings SET batch = (SELECT batch FROM temp.rehomed"
    " WHERE rehomed.id = bookings.id) WHERE id IN (SELECT id FROM temp.rehomed)"
)
_NOW_OWN = (
    "DELETE FROM booking_batch_duplicates WHERE (batch, fingerprint) IN"
    " (SELECT batch, fingerprint FROM temp.rehomed)"
)


@dataclass
class Undone:
    """What undoing a batch did."""

    removed: int
    # Bookings the batch had changed (a status, a price...), given back
    # what they had.
    restored: int
    # Bookings it added that another confirmed batch also held: kept, moved.
    kept: int = 0


def discard_stale(db, now=None):
    """Delete pending batches older than ``PENDING_HOURS``; return how many."""
    cutoff = now_text((now or datetime.now(UTC)) - timedelta(hours=PENDING_HOURS))
    stale = "SELECT id FROM import_batches WHERE confirmed_at = '' AND imported_at < ?"
    # A removal left over by a killed worker is finished here too.
    if not db.execute(stale, [cutoff]).fetchone() and not transit.removing(db):
        return 0  # the usual case: no write at all
    with immediate(db):
        # One being stored for a day is a store whose worker was killed.
        found = {row[0] for row in db.execute(stale, [cutoff]).fetchall()}
        found -= set(transit.removing(db))
        transit.hide(db, found)
    transit.remove_hidden(db)
    return len(found)


def confirm(db, batch, now=None):
    """Confirm a pending batch and apply its status changes; False if not pending."""
    with immediate(db):
        if batch in transit.in_transit(db):
            return False
        cursor = db.execute(
            "UPDATE import_batches SET confirmed_at = ?"
            " WHERE id = ? AND confirmed_at = ''",
            [now_text(now), batch],
        )
        if cursor.rowcount != 1:
            return False
        changed, updated = status_changes.apply(db, batch)
        db["import_batches"].update(
            batch, {"status_changes": changed, "updated": updated}
        )
        return True


def cancel(db, batch):
    """Discard a pending batch and its waiting changes; what was found.

    ``CANCELLED``, or why not: ``ALREADY_CONFIRMED`` (Undo removes it),
    ``NO_LONGER_PENDING`` (discarded, replaced or undone before) or
    ``NEVER_EXISTED``.
    """
    with immediate(db):
        row = db.execute(
            "SELECT confirmed_at FROM import_batches WHERE id = ?", [batch]
        ).fetchone()
        if row is None or batch in transit.in_transit(db):
            return NO_LONGER_PENDING if batch <= last_batch_id(db) else NEVER_EXISTED
        if row[0]:
            return ALREADY_CONFIRMED
        transit.hide(db, [batch])
    transit.remove_hidden(db)
    return CANCELLED


def undo(db, batch):
    """Delete a batch and its bookings, put back what it changed; None if none."""
    # What a later import changed again keeps that later value (see
    # status_changes.revert); the rest get back what they had before.
    with immediate(db):
        row = db.execute(
            "SELECT confirmed_at FROM import_batches WHERE id = ?", [batch]
        ).fetchone()
        if row is None or batch in transit.in_transit(db):
            return None
        # An import being stored meanwhile could take this one's bookings,
        # about to go, for duplicates: it is stopped and removed too.
        transit.hide(db, [transit.storing(db)])
        # A pending batch's changes were never applied: nothing to put back.
        restored = status_changes.revert(db, batch) if row[0] else 0
        kept = _rehome(db, batch)
        removed = db["bookings"].count_where("batch = ?", [batch])
        # From here on it counts nowhere; its bookings go a chunk at a time.
        db.execute("UPDATE import_batches SET confirmed_at = '' WHERE id = ?", [batch])
        transit.hide(db, [batch])
    transit.remove_hidden(db)
    return Undone(removed=removed, restored=restored, kept=kept)


def _rehome(db, batch):
    """Move ``batch``'s bookings another confirmed batch also met; return how many."""
    db.execute(_REHOMED)
    db.execute("DELETE FROM temp.rehomed")
    db.execute(_FIND_HOMES, [batch])
    moved = db.execute(_MOVE).rowcount
    db.execute(_NOW_OWN)
    db.execute("DELETE FROM temp.rehomed")
    return moved


_SELECT_BATCH = (
    "SELECT id, imported_at, confirmed_at, file_name, rows_read, kept, duplicates,"
    " cancelled, no_show, status_changes, dropped_columns, pending, skipped_rows,"
    " updated FROM import_batches"
)


def _batches(db, where, params=()):
    """The batches ``where`` selects, newest first, as dicts."""
    found = list(db.query(f"{_SELECT_BATCH} WHERE {where} ORDER BY id DESC", params))
    for batch in found:
        try:
            batch["dropped_columns"] = json.loads(batch["dropped_columns"] or "[]")
        except ValueError:
            batch["dropped_columns"] = []
        batch["added"] = (
            batch["kept"] + batch["cancelled"] + batch["no_show"] + batch["pending"]
        )
    return found


def list_batches(db):
    """Every confirmed batch, newest first, as dicts."""
    return _batches(db, "confirmed_at != ''")


def get_batch(db, batch):
    """One batch as a dict, or None."""
    return next(iter(_batches(db, "id = ?", [batch])), None)


def pending_batch(db):
    """The batch waiting for the owner's confirmation, or None."""
    hidden = transit.in_transit(db)
    pending = _batches(db, "confirmed_at = ''")
    return next((batch for batch in pending if batch["id"] not in hidden), None)


def preview_rows(db, batch, limit=PREVIEW_ROWS):
    """The first ``limit`` bookings a batch added, as stored."""
    return list(
        db.query(
            "SELECT day, appointment, service, price_cents, status, channel, new_client"
            " FROM bookings WHERE batch = ? ORDER BY id LIMIT ?",
            [batch, limit],
        )
    )


def status_change_counts(db, batch):
    """``[(previous, status, how many)]`` of the bookings a batch changes."""
    return status_changes.counts(db, batch)
