"""Batches on their way in or out of the database, a chunk at a time.

A big import is stored ``CHUNK_ROWS`` bookings per write transaction
(``saving``), and a replaced or cancelled preview or an undone import is
removed the same way (``remove_hidden``), so the site's other writes (a
login, a note, the visits) never wait long for SQLite's write lock.

Meanwhile the batch is *in transit*, as the ``meta`` table records: the one
batch being stored (``STORING_KEY``) and the batches being removed
(``REMOVING_KEY``). A batch in transit is never confirmed (``confirmed_at``
empty), so its bookings count nowhere (dashboard, stats, letter, exports);
it is never shown as a preview and cannot be confirmed, cancelled or undone.
Whoever starts a store, a cancel or an undo first finishes every removal
left over, by a worker killed mid-way say: removing is safe to repeat, and
two processes may remove the same batch at once.
"""

import json
import time

from ..core.db import immediate, read_meta, write_meta
from .limits import CHUNK_ROWS

STORING_KEY = "bookings_storing"
REMOVING_KEY = "bookings_removing"
# After each chunk the writer steps aside for half as long as it held the
# lock (at most this): SQLite has no queue, a writer kept waiting retries on
# its own clock (every 100 ms at worst), and a gap of a millisecond would let
# it miss every retry until its busy timeout ran out; a third of the time
# free lets it in within a few retries.
MAX_PAUSE_SECONDS = 0.1


def storing(db):
    """The batch whose bookings are being stored, or None."""
    value = read_meta(db, STORING_KEY)
    return int(value) if value and value.isdigit() else None


def removing(db):
    """The batches whose bookings are being removed, oldest first."""
    try:
        return sorted(int(batch) for batch in json.loads(read_meta(db, REMOVING_KEY)))
    except (TypeError, ValueError):
        return []


def in_transit(db):
    """Every batch being stored or removed: none of them is the owner's to act on."""
    return {*removing(db), storing(db)} - {None}


def start_storing(db, batch):
    """Record ``batch`` as the one being stored (in a write transaction)."""
    write_meta(db, STORING_KEY, str(batch))


def done_storing(db):
    """Record that no batch is being stored (in a write transaction)."""
    write_meta(db, STORING_KEY, "")


def hide(db, batches):
    """Mark ``batches`` for removal (in a write transaction).

    A store in progress whose batch is among them stops at its next chunk.
    """
    batches = {batch for batch in batches if batch is not None}
    if not batches:
        return
    if storing(db) in batches:
        done_storing(db)
    write_meta(db, REMOVING_KEY, json.dumps(sorted({*removing(db), *batches})))


def step_aside(started):
    """Pause after a chunk begun at ``started`` (``time.monotonic()``), see above."""
    time.sleep(min((time.monotonic() - started) / 2, MAX_PAUSE_SECONDS))


def in_chunks(db, work):
    """Run ``work()`` in write transactions until it does nothing; the total done."""
    total = 0
    while True:
        started = time.monotonic()
        with immediate(db):
            done = work()
        if not done:
            return total
        total += done
        step_aside(started)


def remove_hidden(db):
    """Remove every batch marked for removal, a chunk at a time; bookings removed."""
    return sum(_remove(db, batch) for batch in removing(db))


def _remove(db, batch):
    """Remove one hidden batch: its records, bookings, then the batch itself."""
    for table in ("booking_status_changes", "booking_batch_duplicates"):
        # The table names are our own constants, never input.
        delete = (
            f"DELETE FROM {table} WHERE rowid IN"  # noqa: S608
            f" (SELECT rowid FROM {table} WHERE batch = ? LIMIT ?)"
        )
        in_chunks(
            db, lambda delete=delete: db.execute(delete, [batch, CHUNK_ROWS]).rowcount
        )
    removed = in_chunks(db, lambda: _remove_bookings(db, batch))
    with immediate(db):
        if db["bookings"].count_where("batch = ?", [batch]):
            return removed  # another remover is still at it: it finishes
        db.execute("DELETE FROM booking_status_changes WHERE batch = ?", [batch])
        db.execute("DELETE FROM booking_batch_duplicates WHERE batch = ?", [batch])
        db.execute("DELETE FROM import_batches WHERE id = ?", [batch])
        left = [other for other in removing(db) if other != batch]
        write_meta(db, REMOVING_KEY, json.dumps(left))
    return removed


_CHUNK_OF_BATCH = "(SELECT id FROM bookings WHERE batch = ? ORDER BY id LIMIT ?)"


def _remove_bookings(db, batch):
    """Delete one chunk of ``batch``'s bookings and the records naming them."""
    # A later import's status change may name one of them (foreign key).
    # _CHUNK_OF_BATCH is our own constant, never input: S608 does not apply.
    db.execute(
        "DELETE FROM booking_status_changes WHERE booking IN "  # noqa: S608
        + _CHUNK_OF_BATCH,
        [batch, CHUNK_ROWS],
    )
    return db.execute(
        "DELETE FROM bookings WHERE id IN " + _CHUNK_OF_BATCH,  # noqa: S608
        [batch, CHUNK_ROWS],
    ).rowcount
