"""Importing bookings from a CSV export: what is read, kept, dropped, never stored."""

import datetime

import pytest

from webapp.bookings import file_shapes, importer
from webapp.bookings.dates import parse_date
from webapp.bookings.fields import parse_new_client

from .bookings_data import (
    CLIENT_EMAIL,
    CLIENT_NAME,
    CONFIG,
    HEADER,
    SECRETS,
    export,
    read,
    row,
)

# --- Reading --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ("Date", "Service Name", "Amount", "Appointment Status", "Booked From"),
            {"appointment", "service", "price", "status", "source"},
        ),
        (
            ("START TIME", "treatment", "Total", "status", "channel", "First Visit"),
            {"appointment", "service", "price", "status", "source", "new_client"},
        ),
        (
            (
                "Booking Date",
                "Appointment Date",
                "Appointment Type",
                "Cost",
                "Booked Via",
            ),
            {"booked_on", "appointment", "service", "price", "source"},
        ),
        (
            ("Created", "Start", "Service Price", "Booking Source", "Client Type"),
            {"booked_on", "appointment", "price", "source", "new_client"},
        ),
    ],
)
def test_common_header_spellings_are_recognised(header, expected):
    data = export([("2025-03-18",) * len(header)], header=header)
    try:
        reading = read(data)
    except importer.BookingFileError:
        reading = None  # the cells are nonsense for some fields; only mapping matters
    columns = importer.fields.match_headers(header)
    assert set(columns) == expected
    if reading is not None:
        assert set(reading.mapping) == expected


def test_appointment_date_wins_over_a_plain_date_column():
    columns = importer.fields.match_headers(["Date", "Appointment Date", "Service"])
    assert columns["appointment"] == 1


def test_a_real_export_bom_crlf_quoted_commas_and_blank_end_is_read_exactly():
    rows = [
        row(),
        row(
            appointment="03/19/2025 14:30",
            service='Deep tissue, "90" min',
            price="$1,095.50",
        ),
        row(status="No Show", source="MassageBook Marketplace", new="No"),
        row(status="Late Cancel", source="Phone", new="Returning", price=""),
    ]
    reading = read(export(rows))
    assert reading.rows_read == 4
    assert reading.empty_rows == 1
    assert reading.dropped_columns == ["Client Name", "Email", "Phone", "Notes"]
    first, second, third, fourth = reading.bookings
    assert first["appointment"] == "2025-03-18T14:30"
    assert first["day"] == first["booked_on"] == "2025-03-01"
    assert first["service"] == "Swedish, 60 min"
    assert first["price_cents"] == 9500
    assert (first["status"], first["channel"], first["new_client"]) == (
        "completed",
        "website",
        1,
    )
    assert second["service"] == 'Deep tissue, "90" min'
    assert second["price_cents"] == 109550
    assert (third["status"], third["new_client"]) == ("no-show", 0)
    assert (fourth["status"], fourth["price_cents"]) == ("cancelled", None)
    # Nothing of a dropped column survives the reading.
    text = repr(reading)
    assert not any(secret in text for secret in SECRETS)


def test_without_a_booked_on_column_a_booking_counts_on_its_appointment_day():
    header = ("Name", "Start Time", "Status")
    reading = read(export([("Ann", "Mar 18, 2025 2:30 PM", "booked")], header=header))
    booking = reading.bookings[0]
    assert booking["day"] == "2025-03-18"
    assert booking["booked_on"] == ""
    assert booking["appointment"] == "2025-03-18T14:30"
    assert booking["status"] == "confirmed"


@pytest.mark.parametrize(
    ("values", "order", "expected"),
    [
        (["03/18/2025", "04/02/2025"], "DMY", "2025-04-02"),  # 18 decides: month first
        (["18/03/2025", "04/02/2025"], "MDY", "2025-02-04"),  # 18 decides: day first
        (["03/04/2025", "04/02/2025"], "MDY", "2025-04-02"),  # all ambiguous: setting
        (["03/04/2025", "04/02/2025"], "DMY", "2025-02-04"),
        (["2025-03-18", "2025-04-02T09:15:00"], "DMY", "2025-04-02T09:15"),
        (["March 18, 2025", "Apr 2, 2025 9:15 am"], "MDY", "2025-04-02T09:15"),
    ],
)
def test_the_whole_column_decides_the_date_order(values, order, expected):
    header = ("Date", "Status")
    data = export([(value, "completed") for value in values], header=header)
    reading = read(data, {**CONFIG, "DATE_ORDER": order})
    assert reading.bookings[1]["appointment"] == expected


def test_a_column_mixing_day_first_and_month_first_is_refused():
    data = export(
        [("18/03/2025", "paid"), ("03/19/2025", "paid")], header=("Date", "Status")
    )
    with pytest.raises(importer.BookingFileError, match="row 2 is day-first, row 3"):
        read(data)


def test_a_forced_date_format_reads_what_nothing_else_would():
    data = export([("18.03.2025 14:30", "paid")], header=("Date", "Status"))
    reading = read(data, date_format="%d.%m.%Y %H:%M")
    assert reading.bookings[0]["appointment"] == "2025-03-18T14:30"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Yes", 1),
        ("n", 0),
        ("TRUE", 1),
        ("0", 0),
        ("New", 1),
        ("Returning", 0),
        ("", None),
    ],
)
def test_new_client_words(text, value):
    assert parse_new_client(text) == value


def test_dates_with_times():
    assert parse_date("03/18/2025 2:30 PM", "MDY") == (
        datetime.date(2025, 3, 18),
        "14:30",
    )
    assert parse_date("3/18/25 12:05 am", "MDY") == (
        datetime.date(2025, 3, 18),
        "00:05",
    )
    assert parse_date("Tue, Mar 18, 2025", "MDY") == (datetime.date(2025, 3, 18), None)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (("13/45/2025", "paid"), "row 3, column “Date”: not a real date"),
        (("next tuesday", "paid"), "row 3, column “Date”: not a date like"),
        (
            ("03/18/2025", "rescheduled"),
            "row 3, column “Status”: unknown status (known:",
        ),
        (("", "paid"), "row 3, column “Date”: no appointment date"),
    ],
)
def test_a_bad_cell_names_its_row_and_column(cells, message):
    header = ("Client Name", "Date", "Status")
    data = export(
        [(CLIENT_NAME, "03/17/2025", "paid"), (CLIENT_NAME, *cells)], header=header
    )
    with pytest.raises(importer.BookingFileError) as raised:
        read(data)
    assert message in str(raised.value)
    assert CLIENT_NAME not in str(raised.value)


def test_a_file_without_a_date_column_is_refused():
    data = export([(CLIENT_NAME, "paid")], header=("Client Name", "Status"))
    with pytest.raises(importer.BookingFileError, match="no appointment date column"):
        read(data)


def test_a_binary_file_is_not_read():
    with pytest.raises(importer.BookingFileError, match="not a CSV file"):
        read(b"PK\x03\x04\x14\x00\x06\x00" + bytes(200))


def test_a_semicolon_export_is_read():
    data = b"Datum;Status\n18/03/2025;paid\n"
    reading = read(data, overrides={"appointment": "datum"})
    assert reading.bookings[0]["appointment"] == "2025-03-18"


def test_the_header_fixture_has_every_client_column():
    # The privacy tests above mean something only if the export has them.
    assert {"Client Name", "Email", "Phone", "Notes"} <= set(HEADER)
    assert CLIENT_EMAIL in export([row()]).decode()


def test_a_header_without_rows_is_refused():
    with pytest.raises(importer.BookingFileError, match="no booking rows"):
        read(export([]))


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers():
    data = b"Appointments Report\r\nMar 1 - Mar 31 2025\r\n" + export(
        [row(), row(status="Maybe")], bom=False
    )
    with pytest.raises(importer.BookingFileError, match="row 5, column “Status”"):
        read(data)
    reading = read(b"Appointments Report\r\n" + export([row()], bom=False))
    assert reading.rows_read == 1
    assert "1 line above the header row skipped." in reading.notes


# --- Separate date and time columns -----------------------------------------------


@pytest.mark.parametrize(
    ("date_header", "time_header"),
    [
        ("Date", "Time"),
        ("Appointment Date", "Appointment Time"),
        ("Start Date", "Start Time"),
    ],
)
def test_a_date_column_and_a_time_column_make_one_appointment(date_header, time_header):
    header = ("Client Name", time_header, date_header, "Status")
    rows = [
        (CLIENT_NAME, "2:30 PM", "03/18/2025", "paid"),
        (CLIENT_NAME, "09:05", "03/19/2025", "paid"),
        (CLIENT_NAME, "", "03/20/2025", "paid"),
    ]
    reading = read(export(rows, header=header))
    assert [b["appointment"] for b in reading.bookings] == [
        "2025-03-18T14:30",
        "2025-03-19T09:05",
        "2025-03-20",
    ]
    assert reading.mapping["appointment"] == date_header
    assert reading.mapping["appointment_time"] == time_header
    assert reading.dropped_columns == ["Client Name"]


def test_a_time_column_repeating_the_date_gives_its_time():
    header = ("Date", "Start Time", "Status")
    data = export([("03/18/2025", "03/18/2025 2:30 PM", "paid")], header=header)
    assert read(data).bookings[0]["appointment"] == "2025-03-18T14:30"


def test_a_bad_time_names_its_row_and_column():
    header = ("Date", "Time", "Status")
    data = export(
        [("03/18/2025", "2:30 PM", "paid"), ("03/19/2025", "soon", "paid")],
        header=header,
    )
    with pytest.raises(importer.BookingFileError) as raised:
        read(data)
    assert "row 3, column “Time”: not a time like 2:30 PM or 14:30" in str(raised.value)


@pytest.mark.parametrize("time_header", ["Time", "Start Time", "Appointment Time"])
def test_a_time_column_alone_is_not_an_appointment_column(time_header):
    data = export([("2:30 PM", "paid")], header=(time_header, "Status"))
    with pytest.raises(importer.BookingFileError, match="no appointment date column"):
        read(data)


def test_a_start_time_column_with_whole_dates_is_still_the_appointment():
    data = export([("Mar 18, 2025 2:30 PM", "paid")], header=("Start Time", "Status"))
    reading = read(data)
    assert reading.bookings[0]["appointment"] == "2025-03-18T14:30"
    assert "appointment_time" not in reading.mapping


# --- Fingerprints -----------------------------------------------------------------


def test_the_fingerprint_leaves_the_status_out():
    upcoming = read(export([row(status="Upcoming"), row(status="Upcoming")]))
    later = read(export([row(status="Completed"), row(status="Cancelled")]))
    fingerprints = [b["fingerprint"] for b in upcoming.bookings]
    # One booking in two exports: one fingerprint, whatever its status...
    assert [b["fingerprint"] for b in later.bookings] == fingerprints
    # ...while two identical rows of one file stay two bookings.
    assert len(set(fingerprints)) == 2
    moved = read(export([row(appointment="03/18/2025 3:30 PM")]))
    assert moved.bookings[0]["fingerprint"] not in fingerprints


def test_map_names_an_unusual_time_column():
    data = export([("03/18/2025", "14:30", "paid")], header=("Day", "Hour", "Status"))
    reading = read(data, overrides={"appointment": "day", "appointment_time": "hour"})
    assert reading.bookings[0]["appointment"] == "2025-03-18T14:30"


LATE_ACCENT_SERVICE = "Soin détente – 60 min"


def late_accent_export(encoding):
    """An export whose first accented character comes after ~100 KiB."""
    rows = [row(service="Swedish 60") for _ in range(600)]
    rows.append(row(appointment="03/20/2025 10:00", service=LATE_ACCENT_SERVICE))
    data = export(rows, bom=False).decode()
    assert data.index("é") > 100 * 1024 > file_shapes.SNIFF_BYTES
    return data.encode(encoding)


def test_a_windows_1252_file_with_its_first_accent_past_the_sniff_is_read():
    reading = read(late_accent_export("cp1252"))
    assert reading.rows_read == 601
    assert reading.bookings[-1]["service"] == LATE_ACCENT_SERVICE


def test_a_utf8_file_with_a_late_accent_stays_utf8():
    reading = read(late_accent_export("utf-8"))
    assert reading.bookings[-1]["service"] == LATE_ACCENT_SERVICE


def test_a_file_neither_utf8_nor_windows_1252_is_refused_clearly():
    # 0x81 is undefined in Windows-1252, and invalid UTF-8 on its own.
    data = late_accent_export("cp1252").replace(b"\xe9", b"\x81")
    with pytest.raises(importer.BookingFileError, match="not text in UTF-8"):
        read(data)
