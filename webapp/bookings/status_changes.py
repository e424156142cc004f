"""A later export's word on bookings already stored: their status changes.

The owner exports every month with some overlap, and a booking met again has
often moved on ("upcoming" in March, "completed" or "cancelled" in April).
Its fingerprint leaves the status out, so it is not added twice; instead the
import records the change in ``booking_status_changes`` (with the status it
replaces) and applies it in the same transaction as the rest of its batch or,
for a dashboard preview, only when the owner confirms. Undoing the import puts
the previous status back, unless a later import has changed it again: then
the later status stands, and that import's own undo goes back to the status
before both.
"""

from ..core.formatting import number

# Fingerprints looked up per query (well under SQLite's variable limit).
CHUNK = 500
_LOOKUP = (
    "SELECT id, fingerprint, status FROM bookings"
    " WHERE batch != ? AND fingerprint IN ({})"
)


def record(db, batch, bookings):
    """Record how ``bookings`` (a reading's) change stored ones; return how many."""
    wanted = {booking["fingerprint"]: booking["status"] for booking in bookings}
    fingerprints = list(wanted)
    rows = []
    for start in range(0, len(fingerprints), CHUNK):
        chunk = fingerprints[start : start + CHUNK]
        # Only "?" marks are formatted in, never a value.
        query = _LOOKUP.format(", ".join("?" * len(chunk)))
        stored = db.execute(query, [batch, *chunk]).fetchall()
        rows.extend(
            (batch, booking, wanted[fingerprint], status)
            for booking, fingerprint, status in stored
            if wanted[fingerprint] != status
        )
    db.conn.executemany(
        "INSERT INTO booking_status_changes (batch, booking, status, previous)"
        " VALUES (?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def apply(db, batch):
    """Give the bookings the statuses ``batch`` recorded; return how many changed."""
    # Between a preview and its confirmation an undo may have removed a
    # booking or put its status back: compare with what is stored now.
    db.execute(
        "DELETE FROM booking_status_changes WHERE batch = ? AND NOT EXISTS"
        " (SELECT 1 FROM bookings WHERE bookings.id = booking_status_changes.booking"
        " AND bookings.status != booking_status_changes.status)",
        [batch],
    )
    db.execute(
        "UPDATE booking_status_changes SET previous = (SELECT bookings.status"
        " FROM bookings WHERE bookings.id = booking_status_changes.booking)"
        " WHERE batch = ?",
        [batch],
    )
    db.execute(
        "UPDATE bookings SET status = (SELECT change.status FROM"
        " booking_status_changes AS change WHERE change.batch = ?"
        " AND change.booking = bookings.id)"
        " WHERE id IN (SELECT booking FROM booking_status_changes WHERE batch = ?)",
        [batch, batch],
    )
    return db.execute(
        "SELECT count(*) FROM booking_status_changes WHERE batch = ?", [batch]
    ).fetchone()[0]


def revert(db, batch):
    """Put back the statuses a confirmed ``batch`` changed; return how many."""
    changes = db.execute(
        "SELECT booking, previous FROM booking_status_changes WHERE batch = ?",
        [batch],
    ).fetchall()
    restored = 0
    for booking, previous in changes:
        later = db.execute(
            "SELECT change.batch FROM booking_status_changes AS change"
            " JOIN import_batches ON import_batches.id = change.batch"
            " WHERE change.booking = ? AND change.batch > ?"
            " AND import_batches.confirmed_at != '' ORDER BY change.batch LIMIT 1",
            [booking, batch],
        ).fetchone()
        if later is not None:
            # A later export changed it again and knows better: its status
            # stands, and its own undo now goes back to the one before ours.
            db.execute(
                "UPDATE booking_status_changes SET previous = ?"
                " WHERE batch = ? AND booking = ?",
                [previous, later[0], booking],
            )
            continue
        db.execute("UPDATE bookings SET status = ? WHERE id = ?", [previous, booking])
        restored += 1
    return restored


def forget(db, batch):
    """Delete ``batch``'s change records and every record naming its bookings."""
    db.execute(
        "DELETE FROM booking_status_changes WHERE batch = ?"
        " OR booking IN (SELECT id FROM bookings WHERE batch = ?)",
        [batch, batch],
    )


def counts(db, batch):
    """``[(previous, status, how many)]`` of ``batch``'s changes, most first."""
    return db.execute(
        "SELECT previous, status, count(*) AS n FROM booking_status_changes"
        " WHERE batch = ? GROUP BY previous, status ORDER BY n DESC, previous, status",
        [batch],
    ).fetchall()


def describe(changes):
    """``upcoming → completed 2, upcoming → cancelled 1`` for the owner."""
    return ", ".join(
        f"{previous} → {status} {number(count)}" for previous, status, count in changes
    )
