"""Reading exports as the platforms write them: words, columns, file shapes.

Each test reads a small CSV text in memory, as the owner's file would be read.
"""

import io

import pytest

from webapp.bookings import channels, fields, importer, statuses
from webapp.bookings.errors import BookingFileError

CONFIG = {"DATE_ORDER": "MDY", "CURRENCY": "USD", "TIME_ZONE": "America/New_York"}
NAME = "Philippa Quenby-Marchetti"


def read_text(text, encoding="utf-8", config=CONFIG, **options):
    """Read a CSV text as an uploaded file of ``encoding`` would be read."""
    data = text.encode(encoding)
    return importer.read_export(importer.open_text(io.BytesIO(data)), config, **options)


# --- The contract the storing and the dashboard code against ------------------------


def test_a_booking_holds_exactly_the_agreed_keys():
    reading = read_text(
        "Client,Appointment ID,Date,Status,Source\n"
        f"{NAME},A-17,03/18/2025,Completed,Google search - Jane Smith sent me\n"
    )
    (booking,) = reading.bookings
    assert set(booking) == {
        "day",
        "booked_on",
        "appointment",
        "service",
        "price_cents",
        "status",
        "channel",
        "new_client",
        "fingerprint",
        "platform_id",
    }
    assert booking["platform_id"] == "A-17"
    assert booking["channel"] == "google"
    assert "Jane" not in repr(reading)


def test_statuses_and_channels_are_the_agreed_ones():
    assert fields.STATUSES == (
        "completed",
        "confirmed",
        "upcoming",
        "pending",
        "cancelled",
        "no-show",
    )
    assert fields.KEPT_STATUSES == ("completed", "confirmed", "upcoming")
    assert channels.CHANNELS == (
        "website",
        "directory",
        "google",
        "social",
        "staff",
        "other",
    )
    assert set(channels.CHANNEL_LABELS) == set(channels.CHANNELS)


def test_the_reading_gives_its_header_labels_and_guesses():
    reading = read_text(
        f"\ufeffClient Name,Appt. Date,Type,Fee\n{NAME},03/18/2025,Swedish,$95\n",
        overrides={"service": ""},
    )
    assert reading.header == ["Client Name", "Appt. Date", "Type", "Fee"]
    assert reading.header_labels == reading.header
    # What the reader found by itself, before the owner's "not in this file".
    assert reading.guessed == {
        "appointment": "Appt. Date",
        "service": "Type",
        "price": "Fee",
    }
    assert "service" not in reading.mapping
    assert reading.bookings[0]["service"] == ""


def test_the_owner_s_status_words_come_first():
    text = "Date,Status\n03/18/2025,Rescheduled\n03/19/2025,Done\n"
    with pytest.raises(BookingFileError) as refused:
        read_text(text)
    assert refused.value.field == "status"
    assert refused.value.row == 2
    reading = read_text(text, statuses={"RESCHEDULED": "cancelled", "done": "pending"})
    assert [b["status"] for b in reading.bookings] == ["cancelled", "pending"]


def test_a_missing_appointment_column_names_its_field():
    with pytest.raises(BookingFileError) as refused:
        read_text(f"Client,When\n{NAME},03/18/2025\n")
    assert refused.value.field == "appointment"
    assert NAME not in str(refused.value)


def test_skip_bad_rows_counts_the_rows_it_skips():
    text = (
        "Client,Date,Status\n"
        f"{NAME},03/18/2025,Completed\n"
        f"{NAME},03/19/2025,Rescheduled\n"
        f"{NAME},next week,Completed\n"
        f"{NAME},03/20/2025,No Show\n"
    )
    with pytest.raises(BookingFileError, match="row 3, column “Status”"):
        read_text(text)
    reading = read_text(text, skip_bad_rows=True)
    assert [b["status"] for b in reading.bookings] == ["completed", "no-show"]
    assert reading.skipped_rows == [3, 4]


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Unconfirmed", "pending"),
        ("awaiting-confirmation", "pending"),
        ("Requested", "pending"),
        ("Pending", "pending"),
        ("Accepted", "confirmed"),
        ("Show", "completed"),
        ("Showed", "completed"),
        ("FINISHED", "completed"),
        ("Checked Out", "completed"),
        ("Checked-In", "completed"),
        ("Arrived", "completed"),
        ("Booked", "confirmed"),
        ("Scheduled", "confirmed"),
        ("Upcoming", "upcoming"),
        ("Clinician Canceled", "cancelled"),
        ("Cancelled by client", "cancelled"),
        ("Canceled by Business", "cancelled"),
        ("Late Cancel", "cancelled"),
        ("Declined", "cancelled"),
        ("Rejected", "cancelled"),
        ("No-Show", "no-show"),
        ("no show", "no-show"),
        ("Marked as No-Show", "no-show"),
    ],
)
def test_status_words_are_read_case_and_punctuation_blind(word, status):
    assert statuses.parse_status(word) == status
