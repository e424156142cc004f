"""Booking exports shaped like real ones, built in tests, with their true counts.

``export(rows, ...)`` writes a CSV as a booking platform would (a BOM, CRLF,
quoted commas, an empty trailing line, client columns that must never be
stored). ``generated(n)`` makes ``n`` rows whose counts by status and channel
are known by construction. The rest reads an export, imports it from the
terminal, or looks at what the database holds.
"""

import csv
import io
from collections import Counter

from webapp.bookings import importer
from webapp.core.db import connect

# The settings the importer reads, as their defaults.
CONFIG = {"DATE_ORDER": "MDY", "CURRENCY": "USD"}

# What a MassageBook-style appointments report has: client details first.
HEADER = (
    "Client Name",
    "Email",
    "Phone",
    "Appointment Date",
    "Service",
    "Price",
    "Status",
    "Booked Via",
    "New Client",
    "Notes",
    "Date Booked",
)
# Client details that must never reach the database, a log or a temp file.
CLIENT_NAME = "Philippa Quenby-Marchetti"
CLIENT_EMAIL = "philippa.quenby@example.org"
CLIENT_PHONE = "+1 (503) 555-0199"
CLIENT_NOTE = "left shoulder, prefers lavender oil"
SECRETS = (CLIENT_NAME, CLIENT_EMAIL, CLIENT_PHONE, CLIENT_NOTE)


def row(
    appointment="03/18/2025 2:30 PM",
    service="Swedish, 60 min",
    price="$95.00",
    status="Completed",
    source="Website",
    new="Yes",
    booked="03/01/2025",
    name=CLIENT_NAME,
    email=CLIENT_EMAIL,
    phone=CLIENT_PHONE,
    note=CLIENT_NOTE,
):
    """One export row in HEADER's order."""
    return (
        name,
        email,
        phone,
        appointment,
        service,
        price,
        status,
        source,
        new,
        note,
        booked,
    )


def export(rows, header=HEADER, bom=True, crlf=True, trailing_blank=True):
    """The bytes of a CSV export of ``rows``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if trailing_blank:
        text += "\r\n" if crlf else "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


STATUS_CYCLE = ("Completed", "Confirmed", "Upcoming", "Cancelled", "No Show", "Paid")
SOURCE_CYCLE = (
    "Website",
    "MassageBook Marketplace",
    "Phone",
    "Reserve with Google",
    "",
)
SOURCE_CHANNEL = {
    "Website": "website",
    "MassageBook Marketplace": "directory",
    "Phone": "staff",
    "Reserve with Google": "directory",
    "": "other",
}
STORED_STATUS = {
    "Completed": "completed",
    "Paid": "completed",
    "Confirmed": "confirmed",
    "Upcoming": "upcoming",
    "Cancelled": "cancelled",
    "No Show": "no-show",
}


def generated(count):
    """``count`` distinct rows and their expected counts by status and channel."""
    rows, by_status, by_channel = [], Counter(), Counter()
    for i in range(count):
        status = STATUS_CYCLE[i % len(STATUS_CYCLE)]
        source = SOURCE_CYCLE[i % len(SOURCE_CYCLE)]
        # 2025-01-01 + i minutes apart: every row is a different booking.
        day = 1 + (i // (24 * 60)) % 28
        month = 1 + (i // (24 * 60 * 28)) % 12
        hour, minute = (i // 60) % 24, i % 60
        year = 2024 + i // (24 * 60 * 28 * 12)
        appointment = f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"
        rows.append(
            row(
                appointment=appointment,
                service=f"Massage {i % 7}",
                price=f"${80 + i % 50}.00",
                status=status,
                source=source,
                new="Yes" if i % 3 == 0 else "No",
                booked=f"{year}-{month:02d}-{day:02d}",
            )
        )
        stored = STORED_STATUS[status]
        by_status[stored] += 1
        if stored not in ("cancelled", "no-show"):
            by_channel[SOURCE_CHANNEL[source]] += 1
    return rows, by_status, by_channel


def read(data, config=CONFIG, **options):
    """Read export bytes as the importer does."""
    return importer.read_export(importer.open_text(io.BytesIO(data)), config, **options)


def import_file(runner, tmp_path, data, *args, name="export.csv"):
    """Run ``bookings import`` on ``data``; return the result."""
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["bookings", "import", str(path), *args])


def stored(database_path, sql, *params):
    """Rows of the test database."""
    with connect(str(database_path)) as db:
        return db.execute(sql, params).fetchall()


def raw_bytes(database_path):
    """The database file, its WAL and its journal, as bytes."""
    suffixes = ("", "-wal", "-journal", "-shm")
    paths = [database_path.parent / f"{database_path.name}{s}" for s in suffixes]
    return b"".join(path.read_bytes() for path in paths if path.exists())
