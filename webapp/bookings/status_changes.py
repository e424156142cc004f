"""A later export's word on bookings already stored: new statuses, and more by id.

The owner exports every month with some overlap, and a booking met again has
often moved on ("upcoming" in March, "completed" or "cancelled" in April).
A booking met by its fingerprint (which leaves the status out) may take a new
status; one met by its platform id (``matching``) may also take a new price,
time, service, channel or new-client mark (``fields``, counted as
``updated``). The import records each change in ``booking_status_changes``
with what it replaces and applies it in the same transaction as the rest of
its batch or, for a dashboard preview, only when the owner confirms. Undoing
the import puts back what it changed, field by field, unless a later import
has changed that field again: then the later value stands, and that import's
own undo goes back to the value before both.
"""

import json

from ..core.formatting import number
from . import matching

# The fields a record may change besides the status.
CHANGED_FIELDS = matching.UPDATED_FIELDS
# What a booking's changeable fields are now, as a JSON object.
_NOW = "json_object({})".format(
    ", ".join(f"'{name}', bookings.{name}" for name in CHANGED_FIELDS)
)


def change(row, stored):
    """The record ``row`` (a booking being imported) makes on ``stored``, or None."""
    fields = matching.changes(row, stored)
    if not fields and row["status"] == stored["status"]:
        return None
    return {
        "booking": stored["id"],
        "status": row["status"],
        "previous": stored["status"],
        "fields": fields,
        "by_id": int(bool(row["platform_key"])),
    }


def record(db, batch, met):
    """Record how ``met`` (``[(row, stored)]``) changes stored bookings; how many."""
    records = [c for c in (change(row, stored) for row, stored in met) if c]
    db["booking_status_changes"].insert_all(
        ({**c, "batch": batch, "fields": json.dumps(c["fields"])} for c in records),
        ignore=True,
    )
    return len(records)


def tally(db, batch):
    """``(status changes, updated)`` among ``batch``'s records."""
    # A record exists only for a booking it changes: by id, it is updated.
    return db.execute(
        "SELECT coalesce(sum(status != previous), 0), coalesce(sum(by_id), 0)"
        " FROM booking_status_changes WHERE batch = ?",
        [batch],
    ).fetchone()


def apply(db, batch):
    """Give the bookings what ``batch`` recorded; return ``tally``."""
    # Between a preview and its confirmation an undo may have removed a
    # booking or put its status back: compare with what is stored now.
    db.execute(
        "DELETE FROM booking_status_changes WHERE batch = ? AND fields = '{}'"
        " AND NOT EXISTS (SELECT 1 FROM bookings"
        " WHERE bookings.id = booking_status_changes.booking"
        " AND bookings.status != booking_status_changes.status)",
        [batch],
    )
    _drop_what_is_stored_already(db, batch)
    # Our own constant only is formatted in, never a value.
    db.execute(
        "UPDATE booking_status_changes SET previous = (SELECT bookings.status"  # noqa: S608
        " FROM bookings WHERE bookings.id = booking_status_changes.booking),"
        f" fields_before = (SELECT {_NOW} FROM bookings"
        " WHERE bookings.id = booking_status_changes.booking) WHERE batch = ?",
        [batch],
    )
    db.execute(
        "UPDATE bookings SET status = (SELECT change.status FROM"
        " booking_status_changes AS change WHERE change.batch = ?"
        " AND change.booking = bookings.id)"
        " WHERE id IN (SELECT booking FROM booking_status_changes WHERE batch = ?)",
        [batch, batch],
    )
    for name in CHANGED_FIELDS:
        path = f"$.{name}"
        # The field names are our own constants, never input.
        db.execute(
            f"UPDATE bookings SET {name} = (SELECT json_extract(change.fields, ?)"  # noqa: S608
            " FROM booking_status_changes AS change WHERE change.batch = ?"
            " AND change.booking = bookings.id) WHERE id IN (SELECT booking"
            " FROM booking_status_changes WHERE batch = ?"
            " AND json_type(fields, ?) IS NOT NULL)",
            [path, batch, batch, path],
        )
    return tally(db, batch)


def _drop_what_is_stored_already(db, batch):
    """Leave out of ``batch``'s records by id the values the bookings hold now."""
    # Our own constant only is formatted in, never a value.
    rows = db.execute(
        "SELECT change.booking, change.status, change.fields, bookings.status,"  # noqa: S608
        f" {_NOW} FROM booking_status_changes AS change"
        " LEFT JOIN bookings ON bookings.id = change.booking"
        " WHERE change.batch = ? AND change.fields != '{}'",
        [batch],
    ).fetchall()
    for booking, status, fields, status_now, now in rows:
        now = json.loads(now) if status_now is not None else {}
        left = {
            name: value
            for name, value in json.loads(fields).items()
            if name not in now or now[name] != value
        }
        if status_now is None or (not left and status == status_now):
            db.execute(
                "DELETE FROM booking_status_changes WHERE batch = ? AND booking = ?",
                [batch, booking],
            )
        else:
            db.execute(
                "UPDATE booking_status_changes SET fields = ?"
                " WHERE batch = ? AND booking = ?",
                [json.dumps(left), batch, booking],
            )


def _touched(status, previous, fields, before):
    """``{field: value before}`` of what one applied record changed."""
    before = json.loads(before)
    touched = {name: before.get(name) for name in json.loads(fields)}
    if status != previous:
        touched["status"] = previous
    return touched


def revert(db, batch):
    """Put back what a confirmed ``batch`` changed; return on how many bookings."""
    records = db.execute(
        "SELECT booking, status, previous, fields, fields_before"
        " FROM booking_status_changes WHERE batch = ?",
        [batch],
    ).fetchall()
    restored = 0
    for booking, *applied in records:
        later = db.execute(
            "SELECT change.batch, change.status, change.previous, change.fields,"
            " change.fields_before FROM booking_status_changes AS change"
            " JOIN import_batches ON import_batches.id = change.batch"
            " WHERE change.booking = ? AND change.batch > ?"
            " AND import_batches.confirmed_at != '' ORDER BY change.batch",
            [booking, batch],
        ).fetchall()
        put_back = {}
        for name, value in _touched(*applied).items():
            taker = next((row[0] for row in later if name in _touched(*row[1:])), None)
            if taker is None:
                put_back[name] = value
            else:
                # A later export changed it again and knows better: its value
                # stands, and its own undo now goes back to the one before ours.
                _hand_over(db, taker, booking, name, value)
        if put_back:
            # The field names are our own constants, never input.
            assignments = ", ".join(f"{name} = ?" for name in put_back)
            db.execute(
                f"UPDATE bookings SET {assignments} WHERE id = ?",  # noqa: S608
                [*put_back.values(), booking],
            )
            restored += 1
    return restored


def _hand_over(db, later, booking, name, value):
    """Make ``value`` what a ``later`` batch's record on ``booking`` puts back."""
    if name == "status":
        db.execute(
            "UPDATE booking_status_changes SET previous = ?"
            " WHERE batch = ? AND booking = ?",
            [value, later, booking],
        )
        return
    db.execute(
        "UPDATE booking_status_changes SET fields_before ="
        " json_set(fields_before, ?, json(?)) WHERE batch = ? AND booking = ?",
        [f"$.{name}", json.dumps(value), later, booking],
    )


def counts(db, batch):
    """``[(previous, status, how many)]`` of ``batch``'s new statuses, most first."""
    return db.execute(
        "SELECT previous, status, count(*) AS n FROM booking_status_changes"
        " WHERE batch = ? AND status != previous"
        " GROUP BY previous, status ORDER BY n DESC, previous, status",
        [batch],
    ).fetchall()


def describe(changes):
    """``upcoming → completed 2, upcoming → cancelled 1`` for the owner."""
    return ", ".join(
        f"{previous} → {status} {number(count)}" for previous, status, count in changes
    )
