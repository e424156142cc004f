"""No client detail in any message, and no free-text source that may name someone."""

import csv
import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from webapp.bookings import channels, importer
from webapp.bookings.fields import match_headers
from webapp.core.db import connect

from .bookings_data import (
    CLIENT_EMAIL,
    CLIENT_NAME,
    CLIENT_PHONE,
    CONFIG,
    SECRETS,
    export,
    read,
    row,
)
from .conftest import csrf_token_from

PAGE = "/stats/bookings"
CLIENT = (CLIENT_NAME, CLIENT_EMAIL, CLIENT_PHONE)


def headerless():
    """An export without its header row: the first row is a client's booking."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([row(), row(appointment="03/19/2025 10:00")])
    return buffer.getvalue().encode()


def import_file(runner, tmp_path, data, *args):
    """Run ``bookings import`` on ``data``; return the result."""
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return runner.invoke(args=["bookings", "import", str(path), *args])


def upload(client, data):
    """POST ``data`` as the bookings page's form does."""
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            "file": FileStorage(io.BytesIO(data), "a.csv", content_type="text/csv"),
        }
    )
    return client.post(
        PAGE, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


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
    assert "no column named like an appointment date" in html
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
    ("field", "column"),
    [
        ("status", "Email"),
        ("appointment", "Email"),
        ("booked_on", "Email"),
        ("price", "Email"),
        ("new_client", "Email"),
        ("appointment_time", "Email"),
    ],
)
def test_a_mis_mapped_column_never_quotes_its_cell(runner, tmp_path, field, column):
    result = import_file(
        runner, tmp_path, export([row()]), "--map", f"{field}={column}"
    )
    assert result.exit_code == 1
    assert "row 2, column “Email”" in result.output
    assert CLIENT_EMAIL not in result.output
    assert not any(secret in result.output for secret in SECRETS)


@pytest.mark.parametrize(
    ("header", "cell"),
    [
        ("Status", "jane.doe@example.net"),
        ("Price", "jane.doe@example.net"),
        ("New Client", "jane.doe@example.net"),
        ("Time", "jane.doe@example.net"),
        ("Date Booked", "jane.doe@example.net"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column_only(header, cell):
    data = export([("03/18/2025", cell)], header=("Appointment Date", header))
    with pytest.raises(importer.BookingFileError) as raised:
        read(data)
    assert str(raised.value).startswith(f"row 2, column “{header}”: ")
    assert "jane.doe" not in str(raised.value)


def test_referral_columns_are_not_read_as_the_source_by_default():
    assert "source" not in match_headers(["Date", "Referral"])
    assert "source" not in match_headers(["Date", "Referral Source"])


@pytest.mark.parametrize(
    ("source", "stored"),
    [
        ("Friend – Jane Smith", ""),
        ("Dr. Appleby", ""),
        ("Website", "Website"),
        ("Book Now button", "Book Now button"),
        ("MassageBook Marketplace", "MassageBook Marketplace"),
        ("Phone", "Phone"),
        ("Walk-in", "Walk-in"),
        ("Instagram", "Instagram"),
        ("Staff", "Staff"),
        ("", ""),
    ],
)
def test_only_a_source_naming_a_known_channel_is_stored(source, stored):
    assert channels.stored_source(source, CONFIG) == stored


def test_a_mapped_referral_column_keeps_no_name(runner, tmp_path, database_path):
    header = ("Appointment Date", "Referral")
    rows = [("03/18/2025", "Friend – Jane Smith"), ("03/19/2025", "Instagram")]
    result = import_file(runner, tmp_path, export(rows, header=header))
    assert result.exit_code == 0, result.output
    result = import_file(
        runner, tmp_path, export(rows, header=header), "--map", "source=Referral"
    )
    assert result.exit_code == 0, result.output
    db = connect(str(database_path))
    try:
        sources = sorted(s for (s,) in db.execute("select source from bookings"))
    finally:
        db.conn.close()
    # The first import read no source; the second met the same two bookings
    # with a source, so they are new bookings: "" and "Instagram" only.
    assert "Friend – Jane Smith" not in sources
    assert "Jane" not in " ".join(sources)
    assert "Instagram" in sources
