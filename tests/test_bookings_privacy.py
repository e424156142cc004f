"""No client detail in any message, and no free-text source that may name someone."""

import pytest

from webapp.bookings import importer
from webapp.bookings.fields import match_headers

from .bookings_data import (
    CLIENT_EMAIL,
    CLIENT_NAME,
    CLIENT_PHONE,
    SECRETS,
    export,
    import_file,
    raw_bytes,
    read,
    row,
    stored,
)
from .test_bookings_upload import upload

CLIENT = (CLIENT_NAME, CLIENT_EMAIL, CLIENT_PHONE)


def headerless():
    """An export without its header row: the first row is a client's booking."""
    second = row(appointment="03/19/2025 10:00")
    return export([second], header=row(), bom=False, trailing_blank=False)


def test_the_headerless_helper_starts_with_a_client():
    assert headerless().startswith(CLIENT_NAME.encode())


def test_a_file_without_a_header_row_names_no_cell_in_the_terminal(runner, tmp_path):
    result = import_file(runner, tmp_path, headerless())
    assert result.exit_code == 1
    assert "no column named like an appointment date" in result.output
    assert "the first row has 11 columns" in result.output
    assert "--map appointment=HEADER" in result.output
    assert not any(detail in result.output for detail in CLIENT)


def test_a_file_without_a_header_row_names_no_cell_on_the_page(owner_client):
    response = upload(owner_client, headerless())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "appointment date" in html  # the page's own words, not the terminal's
    assert "--map" not in html
    assert not any(detail in html for detail in CLIENT)


def test_a_real_header_without_a_date_column_is_still_listed():
    data = export([(CLIENT_NAME, "paid")], header=("Client Name", "Status"))
    with pytest.raises(importer.BookingFileError) as raised:
        read(data)
    assert "the file has “Client Name”, “Status”" in str(raised.value)
    assert CLIENT_NAME not in str(raised.value)


def test_state_is_no_status_column():
    columns = match_headers(["Date", "State", "Status"])
    assert columns["status"] == 2
    assert "status" not in match_headers(["Date", "State"])


@pytest.mark.parametrize(
    "field",
    ["status", "appointment", "booked_on", "price", "new_client", "appointment_time"],
)
def test_a_mis_mapped_column_never_quotes_its_cell(runner, tmp_path, field):
    result = import_file(runner, tmp_path, export([row()]), "--map", f"{field}=Email")
    assert result.exit_code == 1
    assert "row 2, column “Email”" in result.output
    assert CLIENT_EMAIL not in result.output
    assert not any(secret in result.output for secret in SECRETS)


@pytest.mark.parametrize(
    "header", ["Status", "Price", "New Client", "Time", "Date Booked"]
)
def test_a_bad_cell_is_named_by_row_and_column_only(header):
    cell = "jane.doe@example.net"
    data = export([("03/18/2025", cell)], header=("Appointment Date", header))
    with pytest.raises(importer.BookingFileError) as raised:
        read(data)
    assert str(raised.value).startswith(f"row 2, column “{header}”: ")
    assert "jane.doe" not in str(raised.value)


def test_referral_columns_are_not_read_as_the_source_by_default():
    assert "source" not in match_headers(["Date", "Referral"])
    assert "source" not in match_headers(["Date", "Referral Source"])


# Sources as the platforms' exports give them, some naming a person.
SOURCES = {
    "Friend – Jane Smith": "other",
    "Dr. Appleby": "other",
    "Google search - my coworker Ada Quillfeather recommended you": "google",
    "Website": "website",
    "Book Now button": "website",
    "MassageBook Marketplace": "directory",
    "Phone": "staff",
    "Walk-in": "staff",
    "Instagram": "social",
    "": "other",
}


def test_only_the_channel_of_a_source_is_stored(runner, tmp_path, database_path):
    rows = [
        row(appointment=f"03/{n:02d}/2025 10:00", source=source)
        for n, source in enumerate(SOURCES, start=1)
    ]
    result = import_file(runner, tmp_path, export(rows))
    assert result.exit_code == 0, result.output
    channels_stored = stored(database_path, "select channel from bookings order by day")
    assert channels_stored == [(channel,) for channel in SOURCES.values()]
    # Not one source's text, nor a word of one, in the file, its WAL or the
    # output: "Website" and "Phone" are stored as the channels' own words.
    raw = raw_bytes(database_path)
    for secret in ("Jane", "Smith", "Appleby", "Quillfeather", "coworker", "Walk-in"):
        assert secret.encode() not in raw, secret
        assert secret not in result.output, secret


def test_a_mapped_referral_column_keeps_no_name(runner, tmp_path, database_path):
    header = ("Appointment Date", "Referral")
    rows = [("03/18/2025", "Friend – Jane Smith"), ("03/19/2025", "Instagram")]
    result = import_file(runner, tmp_path, export(rows, header=header))
    assert result.exit_code == 0, result.output
    result = import_file(
        runner, tmp_path, export(rows, header=header), "--map", "source=Referral"
    )
    assert result.exit_code == 0, result.output
    channels_stored = sorted(stored(database_path, "select channel from bookings"))
    # The first import read no source; the second met the first booking again
    # (a friend's word is no channel: "other" both times) and the second as a
    # new one, from social media.
    assert channels_stored == [("other",), ("other",), ("social",)]
    assert b"Jane" not in raw_bytes(database_path)
