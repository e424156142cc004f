"""Which stored booking an export's booking already is: by its id, else its fingerprint.

Where the export has a booking id, only its keyed hash is stored
(``platform_key``: HMAC-SHA256 under a key of the database's own, ``meta``'s
``booking_id_key``, 32 random bytes made on first use and carried by backups
like every row). Never ``SECRET_KEY``: rotating it would make every hash new
and the next import would add every booking again. A later export's booking
with the same hash is the stored one whatever changed (price, time, status,
service); without an id the fingerprint (the booking's identity) decides, as
before. A booking stored without an id takes one when an export brings it.
"""

import hashlib
import hmac
import secrets

from ..core.db import read_meta, write_meta
from .fields import IDENTITY_FIELDS
from .summary import CONFIRMED_BOOKINGS

ID_KEY = "booking_id_key"
ID_KEY_BYTES = 32
# What a later export may change on a booking it names by its id (the status
# apart: ``status_changes`` records it beside these).
UPDATED_FIELDS = ("day", *IDENTITY_FIELDS)
# A booking's stored columns besides its id and batch, in the order inserted.
STORED_FIELDS = ("fingerprint", "platform_key", *UPDATED_FIELDS, "status")
# Values looked up per query (well under SQLite's variable limit).
LOOKUP_CHUNK = 500


def id_key(db, create=False):
    """The key booking ids are hashed with (None if none); ``create`` makes it.

    ``create`` must be asked inside a write transaction: the key is written
    in the same transaction as the first bookings hashed with it.
    """
    value = read_meta(db, ID_KEY)
    if not value and create:
        value = secrets.token_hex(ID_KEY_BYTES)
        write_meta(db, ID_KEY, value)
    return bytes.fromhex(value) if value else None


def platform_keys(bookings, key):
    """Each booking's ``platform_key``: its id's keyed hash, or '' without one.

    An id met again in the same file (one booking on several lines) is the
    first line's: the next ones go by their fingerprint.
    """
    keys, seen = [], {""}
    for booking in bookings:
        platform_id = booking.get("platform_id") or ""
        hashed = ""
        if platform_id and key:
            digest = hmac.new(key, platform_id.encode(), hashlib.sha256)
            hashed = digest.hexdigest()
        if hashed in seen:
            hashed = ""
        seen.add(hashed)
        keys.append(hashed)
    return keys


def match(db, bookings, keys):
    """``[(row to store, the confirmed booking it already is or None)]``, in order.

    The row holds the ``STORED_FIELDS``; its fingerprint is made its own when
    another booking with another id has the same identity.
    """
    by_key = _stored(db, "platform_key", [key for key in keys if key])
    unknown = [
        booking["fingerprint"]
        for booking, key in zip(bookings, keys, strict=True)
        if key not in by_key
    ]
    by_fingerprint = _stored(db, "fingerprint", unknown)
    pairs = []
    for booking, key in zip(bookings, keys, strict=True):
        row = {name: booking.get(name) for name in STORED_FIELDS}
        row["platform_key"] = key
        stored = by_key.get(key) if key else None
        if stored is None:
            stored = by_fingerprint.get(booking["fingerprint"])
            if stored is not None and key and stored["platform_key"]:
                # Two bookings alike but for their ids: two bookings.
                row["fingerprint"] = _own_fingerprint(row["fingerprint"], key)
                stored = None
        pairs.append((row, stored))
    return pairs


def changes(row, stored):
    """``{field: new value}`` a booking named by id brings to its stored self."""
    if not row["platform_key"]:
        return {}
    return {name: row[name] for name in UPDATED_FIELDS if row[name] != stored[name]}


def adoptions(met):
    """``[(platform_key, booking id)]`` of stored bookings without an id met by one.

    The id is the booking's own: it is given at once (a preview cancelled or
    an import undone leaves it, nothing else), so that the next export finds
    the booking by it even after its price or time changed.
    """
    return [
        (row["platform_key"], stored["id"])
        for row, stored in met
        if row["platform_key"] and not stored["platform_key"]
    ]


def _own_fingerprint(fingerprint, key):
    """A fingerprint told apart from an alike booking's by the id's hash."""
    return hashlib.sha256(f"{fingerprint}\x1d{key}".encode()).hexdigest()


def _stored(db, column, values):
    """``{value: stored booking as a dict}`` of confirmed bookings by ``column``."""
    found = {}
    selected = ", ".join(
        f"bookings.{name} AS {name}" for name in ("id", *STORED_FIELDS)
    )
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start : start + LOOKUP_CHUNK]
        # Our own constants and "?" marks only are formatted in, never a value.
        rows = db.query(
            f"SELECT {selected} FROM {CONFIRMED_BOOKINGS}"  # noqa: S608
            f" WHERE bookings.{column} IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        found.update((stored[column], stored) for stored in rows)
    return found
