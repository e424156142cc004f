"""Reading exports as the platforms write them: words, columns, file shapes.

Each test reads a small CSV text in memory, as the owner's file would be read.
"""

import pytest

from webapp.bookings import channels, fields, statuses
from webapp.bookings.errors import BookingFileError
from webapp.bookings.limits import MAX_CELL_CHARS

from .bookings_data import read

CONFIG = {"DATE_ORDER": "MDY", "CURRENCY": "USD", "TIME_ZONE": "America/New_York"}
NAME = "Philippa Quenby-Marchetti"


def read_text(text, encoding="utf-8", config=CONFIG, **options):
    """Read a CSV text as an uploaded file of ``encoding`` would be read."""
    return read(text.encode(encoding), config, **options)


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
    assert refused.value.header == ["Date", "Status"]
    reading = read_text(text, statuses={"RESCHEDULED": "cancelled", "done": "pending"})
    assert [b["status"] for b in reading.bookings] == ["cancelled", "pending"]


def test_a_missing_appointment_column_names_its_field():
    with pytest.raises(BookingFileError) as refused:
        read_text(f"Client,When\n{NAME},03/18/2025\n")
    assert refused.value.field == "appointment"
    assert refused.value.header is None  # no row names a kept field
    assert NAME not in str(refused.value)
    with pytest.raises(BookingFileError) as refused:
        read_text(f"Client,When,Status,Fee\n{NAME},03/18/2025,Booked,$95\n")
    assert refused.value.header == ["Client", "When", "Status", "Fee"]


def test_a_client_row_with_one_header_like_cell_is_never_listed():
    with pytest.raises(BookingFileError) as refused:
        read_text(f"{NAME},Online,03/18/2025\n{NAME},Total,03/19/2025\n")
    assert refused.value.header is None
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
        ("No Show (charged)", "no-show"),
        ("Waitlisted", "pending"),
        ("Deleted", "cancelled"),
        ("In Service", "completed"),
        ("Completed (paid)", "completed"),
        ("Booked online", "confirmed"),
        ("Awaiting confirmation by staff", "pending"),
    ],
)
def test_status_words_are_read_case_and_punctuation_blind(word, status):
    assert statuses.parse_status(word) == status


@pytest.mark.parametrize(
    "word", ["Rescheduled", "Not paid", "Confirmed then completed", "VIP"]
)
def test_a_label_naming_no_status_or_two_is_unknown(word):
    with pytest.raises(fields.FieldError, match="unknown status"):
        statuses.parse_status(word)


def test_pending_is_never_counted_as_kept():
    assert "pending" not in fields.KEPT_STATUSES
    reading = read_text("Date,Status\n03/18/2025,Unconfirmed\n03/19/2025,Booked\n")
    assert reading.by_status() == {"pending": 1, "confirmed": 1}


@pytest.mark.parametrize("flag", ["Yes", "TRUE", "true", "1", "yes"])
def test_yes_no_columns_are_read_as_what_they_mean(flag):
    text = (
        "Start Date & Time,Canceled,Marked as No-Show,Booked Online,New Client\n"
        f"2025-03-18 10:00,{flag},No,No,{flag}\n"
        f"2025-03-19 10:00,false,{flag},{flag},no\n"
        "2025-03-20 10:00,false,No,Yes,\n"
    )
    read_as = [
        (b["status"], b["channel"], b["new_client"]) for b in read_text(text).bookings
    ]
    assert read_as == [
        ("cancelled", "staff", 1),
        ("no-show", "website", 0),
        ("confirmed", "website", None),
    ]


def test_a_yes_no_column_may_repeat_its_own_word():
    text = "Date,Canceled,No Show\n03/18/2025,Canceled,\n03/19/2025,,No-Show\n"
    assert [b["status"] for b in read_text(text).bookings] == ["cancelled", "no-show"]


def test_a_source_wins_over_booked_online():
    text = "Date,Booked Online,Source\n03/18/2025,Yes,Vagaro marketplace\n"
    assert read_text(text).bookings[0]["channel"] == "directory"


def test_a_blank_status_is_kept_where_the_column_names_only_exceptions():
    text = (
        "Start Time,Label\n"
        "March 3 2025 10:00 am,\n"
        "March 4 2025 10:00 am,Checked In\n"
        "March 5 2025 10:00 am,\n"
        "March 6 2025 10:00 am,No Show\n"
    )
    reading = read_text(text)
    assert [b["status"] for b in reading.bookings] == [
        "confirmed",
        "completed",
        "confirmed",
        "no-show",
    ]
    assert (
        "Blank statuses are taken as kept: this file's status column only "
        "names exceptions." in reading.notes
    )


def test_a_blank_status_in_a_filled_column_stops_the_import():
    text = "Date,Status\n03/18/2025,Completed\n03/19/2025,Completed\n03/20/2025,\n"
    with pytest.raises(BookingFileError, match="row 4, column “Status”: empty status"):
        read_text(text)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Appt. Date", "appointment"),
        ("Scheduled Date", "appointment"),
        ("Date of Service", "appointment"),
        ("Start Date & Time", "appointment"),
        ("Start Time", "appointment"),
        ("Appointment Start", "appointment"),
        ("Created", "booked_on"),
        ("Date Scheduled", "booked_on"),
        ("Booked On", "booked_on"),
        ("Created Date", "booked_on"),
        ("Type", "service"),
        ("Event Type Name", "service"),
        ("Appointment Type", "service"),
        ("Service Name", "service"),
        ("Appointment Price", "price"),
        ("Fee", "price"),
        ("Event Price", "price"),
        ("Amount", "price"),
        ("Total", "price"),
        ("Label", "status"),
        ("Appointment Status", "status"),
        ("Booked Through", "source"),
        ("Booking Method", "source"),
        ("Booking Source", "source"),
        ("Channel", "source"),
        ("UTM Source", "source"),
        ("Appointment ID", "booking_id"),
        ("Booking ID", "booking_id"),
        ("Confirmation #", "booking_id"),
        ("Canceled", "cancelled"),
        ("Marked as No-Show", "no_show"),
        ("Booked Online", "booked_online"),
    ],
)
def test_the_platforms_column_names_are_recognised(header, field):
    headers = ["Client", header] if field == "appointment" else ["Date", header]
    columns = fields.match_headers(headers)
    assert columns[field] == 1


def test_date_and_time_apart_make_one_appointment():
    text = "Scheduled Date,Time,Status\n03/18/2025,2:30 PM,Booked\n"
    assert read_text(text).bookings[0]["appointment"] == "2025-03-18T14:30"


@pytest.mark.parametrize(
    ("cell", "appointment"),
    [
        ("2025/03/18 14:30", "2025-03-18T14:30"),
        ("2025.03.18", "2025-03-18"),
        ("Tuesday, March 18, 2025 at 2:30 PM", "2025-03-18T14:30"),
        ("18 Mar 2025 14:30", "2025-03-18T14:30"),
        ("03/18/2025 2:30 p.m.", "2025-03-18T14:30"),
        ("3/18/25 2pm", "2025-03-18T14:00"),
    ],
)
def test_dates_as_the_platforms_write_them(cell, appointment):
    reading = read_text(f'Date,Status\n"{cell}",Booked\n')
    assert reading.bookings[0]["appointment"] == appointment


def test_a_time_range_gives_the_appointment_s_start():
    text = "Date,Time,Status\n03/18/2025,2:30 PM - 3:30 PM,Booked\n"
    assert read_text(text).bookings[0]["appointment"] == "2025-03-18T14:30"


def test_state_is_the_status_only_when_its_cells_are_statuses():
    # Matched on its name alone, "State" is never the status: only a reader
    # that checks the cells (the importer) asks for it.
    assert "status" not in fields.match_headers(["Date", "State"])
    assert fields.match_headers(["Date", "State"], doubtful=True)["status"] == 1
    addresses = read_text(f"Date,Client,State\n03/18/2025,{NAME},OR\n")
    assert "status" not in addresses.mapping
    assert "State" in addresses.dropped_columns
    assert addresses.bookings[0]["status"] == "confirmed"
    states = read_text("Date,State\n03/18/2025,Cancelled\n03/19/2025,Accepted\n")
    assert states.mapping["status"] == "State"
    assert [b["status"] for b in states.bookings] == ["cancelled", "confirmed"]


def test_an_id_column_repeating_a_client_number_is_not_a_booking_id():
    repeated = read_text(
        "ID,Date,Status\n100231,03/18/2025,Show\n100231,03/25/2025,Show\n"
    )
    assert "booking_id" not in repeated.mapping
    assert [b["platform_id"] for b in repeated.bookings] == ["", ""]
    unique = read_text("ID,Date,Status\nA1,03/18/2025,Show\nA2,03/25/2025,Show\n")
    assert [b["platform_id"] for b in unique.bookings] == ["A1", "A2"]


def test_an_appointment_id_is_preferred_to_a_client_id():
    text = (
        "Client ID,ID,Appointment ID,Date\n"
        "C-1,C-1,9001,03/18/2025\n"
        "C-1,C-1,9002,03/25/2025\n"
    )
    reading = read_text(text)
    assert reading.mapping["booking_id"] == "Appointment ID"
    assert [b["platform_id"] for b in reading.bookings] == ["9001", "9002"]


def test_new_clients_from_an_appointment_type():
    beside_a_service = read_text(
        "Date,Service,Appointment Type\n"
        "03/18/2025,Swedish,New Customer\n"
        "03/19/2025,Swedish,Returning Customer\n"
    )
    assert [b["new_client"] for b in beside_a_service.bookings] == [1, 0]
    assert beside_a_service.bookings[0]["service"] == "Swedish"
    as_the_service = read_text(
        "Date,Type\n03/18/2025,New Client Massage 90\n03/19/2025,Massage 60\n"
    )
    assert [b["new_client"] for b in as_the_service.bookings] == [1, 0]
    assert any("appointment type" in note for note in as_the_service.notes)
    types_of_massage = read_text(
        "Date,Service,Appointment Type\n03/18/2025,Swedish,Couples\n"
    )
    assert "new_client" not in types_of_massage.mapping
    assert types_of_massage.bookings[0]["new_client"] is None


@pytest.mark.parametrize(
    ("source", "channel"),
    [
        ("Your Website", "website"),
        ("Book Now Button (Website)", "website"),
        ("Square Online", "website"),
        ("Booking Page", "website"),
        ("Online Booking Site", "website"),
        ("MassageBook Marketplace", "directory"),
        ("Vagaro", "directory"),
        ("Booksy", "directory"),
        ("Fresha marketplace", "directory"),
        ("Mindbody app", "directory"),
        ("Schedulicity App", "directory"),
        ("Reserve with Google", "directory"),
        ("Google search - my coworker Jane Smith recommended you", "google"),
        ("Google Maps", "google"),
        ("google", "google"),
        ("Instagram Book Button", "social"),
        ("Facebook", "social"),
        ("TikTok", "social"),
        ("Phone", "staff"),
        ("Walk-in", "staff"),
        ("Front Desk", "staff"),
        ("Staff", "staff"),
        ("Website (Google Maps link)", "website"),
        ("Your Business Website", "website"),
        ("Booked online", "website"),
        ("Booked online via the Vagaro app", "directory"),
        ("Added by business", "staff"),
        ("Offline", "staff"),
        ("Square Point of Sale", "staff"),
        ("Added by seller", "staff"),
        ("Friend - Jane Smith", "other"),
        ("", "other"),
        ("Appleby's", "other"),
    ],
)
def test_sources_are_sorted_into_channels_by_their_words(source, channel):
    assert channels.channel_of(source, CONFIG) == channel


def test_the_owner_s_settings_extend_the_website_and_directory_words():
    config = {
        **CONFIG,
        "BOOKING_WEBSITE_WORDS": "riverbend.example",
        "BOOKING_DIRECTORY_WORDS": "healthy hub",
    }
    assert channels.channel_of("riverbend.example/book", config) == "website"
    assert channels.channel_of("Healthy Hub listing", config) == "directory"
    assert channels.channel_of("Healthy Hub", CONFIG) == "other"


def test_only_the_channel_of_a_free_text_source_is_kept():
    reading = read_text(
        "Date,Source\n03/18/2025,Google search - my coworker Ottoline Brackenbury\n"
    )
    assert reading.bookings[0]["channel"] == "google"
    assert "Ottoline" not in repr(reading)


# --- Files as they come -----------------------------------------------------------


def test_title_lines_blank_lines_totals_and_report_lines_are_skipped_by_number():
    text = (
        "Appointments Report\r\n"
        "3/1/2025 - 3/31/2025\r\n"
        "\r\n"
        "Date,Client,Service,Price,Status\r\n"
        f"3/3/2025,{NAME},Swedish,$95.00,Completed\r\n"
        "\r\n"
        f"3/4/2025,{NAME},Swedish,$95.00,Completed\r\n"
        ",Total,,$190.00,\r\n"
        ",,,2,\r\n"
        "Report generated 4/1/2025 9:00 AM by Jane Smith\r\n"
    )
    reading = read_text(text)
    assert len(reading.bookings) == 2
    assert reading.skipped_rows == [8, 9, 10]
    assert reading.empty_rows == 1
    assert "2 lines above the header row skipped." in reading.notes
    assert (
        "3 rows that are not bookings (totals, report lines) skipped: 8, 9, 10."
        in reading.notes
    )
    assert "Jane" not in repr(reading)


def test_a_row_that_looks_like_a_booking_but_has_no_date_stops_the_import():
    text = f"Date,Client,Status\n3/3/2025,{NAME},Completed\n,{NAME},Completed\n"
    with pytest.raises(BookingFileError) as refused:
        read_text(text)
    assert str(refused.value).startswith("row 3, column “Date”: no appointment date")
    assert NAME not in str(refused.value)


def test_a_multi_line_quoted_note_is_one_row():
    text = (
        "Date,Notes,Status\r\n"
        '3/3/2025,"line one\r\nline two, with a comma",Completed\r\n'
        "3/4/2025,,No Show\r\n"
    )
    reading = read_text(text)
    assert [b["status"] for b in reading.bookings] == ["completed", "no-show"]
    assert "line one" not in repr(reading)


def test_a_semicolon_file_with_european_prices():
    text = (
        "Ref #;Client;Scheduled Date;Time;Price;Status\r\n"
        f"A1;{NAME};13/03/2025;10:00;1.250,00 €;Finished\r\n"
        f"A2;{NAME};14/03/2025;10:00;180,00 €;Accepted\r\n"
    )
    reading = read_text(text, config={**CONFIG, "CURRENCY": "EUR"})
    assert [b["price_cents"] for b in reading.bookings] == [125000, 18000]
    assert [b["day"] for b in reading.bookings] == ["2025-03-13", "2025-03-14"]
    assert [b["platform_id"] for b in reading.bookings] == ["A1", "A2"]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1.250,00 €", 125000),
        ("180,00 €", 18000),
        ("€ 65,5", 6550),
        ("1.250", 125000),
        ("$1,095.50", 109550),
        ("1,250", 125000),
        ("95.00 USD", 9500),
        ("USD 80", 8000),
        ("95", 9500),
        (" 7.5 ", 750),
        ("", None),
        ("CA$95", 9500),
        ("1 250,00", 125000),
        ("-", None),
    ],
)
def test_prices_written_either_way(text, cents):
    assert fields.parse_price(text, "USD") == cents


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("cp1252", b""),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
    ],
)
def test_the_encodings_exports_come_in(encoding, prefix):
    text = "Date\tService\tStatus\r\n3/3/2025\tSoin détente – 60 min\tCompleted\r\n"
    data = prefix + text.encode(encoding)
    reading = read(data, CONFIG)
    assert reading.header == ["Date", "Service", "Status"]
    assert reading.bookings[0]["service"] == "Soin détente – 60 min"


def test_iso_times_with_a_zone_are_in_the_practice_s_zone():
    text = (
        "Start Date & Time,Status\n"
        "2025-03-18T01:30:00Z,Booked\n"
        "2025-03-18T13:00:00-04:00,Booked\n"
        "2025-03-18 10:00:00 +0100,Booked\n"
        "2025-03-18 10:00,Booked\n"
    )
    appointments = [b["appointment"] for b in read_text(text).bookings]
    assert appointments == [
        "2025-03-17T21:30",
        "2025-03-18T13:00",
        "2025-03-18T05:00",
        "2025-03-18T10:00",
    ]
    # The same file for a practice in Berlin.
    berlin = read_text(text, config={**CONFIG, "TIME_ZONE": "Europe/Berlin"})
    assert berlin.bookings[0]["appointment"] == "2025-03-18T02:30"


def test_a_one_megabyte_cell_in_a_dropped_column_is_read_past():
    note = "shoulder " * 120_000
    assert len(note) > 1_000_000
    text = f'Date,Notes,Status\n3/3/2025,"{note}",Completed\n3/4/2025,,Completed\n'
    reading = read_text(text)
    assert len(reading.bookings) == 2
    assert reading.dropped_columns == ["Notes"]


def test_a_cell_beyond_the_bound_is_refused_not_read():
    text = f'Date,Notes\n3/3/2025,"{"x" * (MAX_CELL_CHARS + 1)}"\n'
    with pytest.raises(BookingFileError, match="row 2: not CSV"):
        read_text(text)


def test_a_report_in_pages_repeats_its_header_and_page_lines():
    text = (
        "Date,Client,Status\n"
        f"3/3/2025,{NAME},Completed\n"
        "Page 1 of 2\n"
        "Date,Client,Status\n"
        f"3/4/2025,{NAME},Completed\n"
    )
    reading = read_text(text)
    assert len(reading.bookings) == 2
    assert reading.skipped_rows == [3, 4]
