"""A bookings file beyond 50,000 bookings or 200 columns: refused while reading.

The pen-test's files (issue 24): 762,563 one-date rows took 34 s and 761 MB
in one worker; a 1,055,478-column header gave a 16.8 MB preview page. Each
is refused at the first row past the bound, in the owner's words, with
nothing stored and little memory used.
"""

import io
import tracemalloc

import pytest

from webapp.bookings import importer, limits

from .bookings_data import HEADER, export, read, row
from .test_bookings_upload import PAGE, stored, upload

# The pen-test's shapes, at the dashboard's 8 MiB: the most rows or columns.
EIGHT_MIB = 8 * 1024 * 1024 - 4096
TOO_MANY_ROWS = (
    "the file has more than 50,000 bookings; export a shorter period, say a year, "
    "and import each part"
)


def many_rows(count):
    """An export of ``count`` one-cell rows (the pen-test's file, at any length)."""
    return b"Appointment Date\r\n" + b"2025-01-01\r\n" * count


def wide_header(size=EIGHT_MIB):
    """A file of ``size`` bytes whose header has about a million columns."""
    out = io.BytesIO()
    out.write(b"Appointment Date")
    column = 0
    while out.tell() < size:
        out.write(b",c%d" % column)
        column += 1
    out.write(b"\r\n2025-01-01\r\n")
    return out.getvalue()


def peak_reading(data):
    """``(the error read_export raised or None, peak bytes Python allocated)``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            read(data)
            problem = None
        except importer.BookingFileError as error:
            problem = str(error)
        return problem, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_pen_tests_8_mib_of_rows_is_refused_without_filling_memory():
    data = many_rows((EIGHT_MIB - 20) // 12)
    assert len(data) > 8_000_000
    problem, peak = peak_reading(data)
    assert problem == TOO_MANY_ROWS
    # Refused at row 50,002, holding 50,000 rows' few kept cells: the whole
    # file read into bookings took hundreds of megabytes.
    assert peak < 40 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"


def test_the_pen_tests_million_column_header_is_refused_early():
    problem, peak = peak_reading(wide_header())
    assert problem == (
        "row 1 has more than 200 columns, far more than an appointments report "
        "has: export the appointments report again as CSV"
    )
    # The csv module builds the one row; nothing is made of its million names.
    assert peak < 100 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"


def test_exactly_50000_bookings_are_read_and_one_more_is_refused():
    assert limits.MAX_ROWS == 50_000
    # Blank rows are no bookings: they do not count towards the limit.
    reading = read(many_rows(50_000) + b"\r\n" * 10)
    assert reading.rows_read == 50_000 and reading.empty_rows == 10
    with pytest.raises(importer.BookingFileError) as refused:
        read(many_rows(50_001))
    assert str(refused.value) == TOO_MANY_ROWS


def test_a_row_wider_than_200_columns_is_named():
    header = (*HEADER, *(f"Extra {i}" for i in range(200 - len(HEADER))))
    cells = row()
    fine = export([cells, cells], header=header)
    assert len(read(fine).dropped_columns) == 200 - 7
    wide = export([cells, (*cells, *[""] * 190), cells], header=header)
    with pytest.raises(importer.BookingFileError) as refused:
        read(wide)
    assert str(refused.value).startswith("row 3 has more than 200 columns")


def test_the_dashboard_refuses_more_than_50000_bookings_in_plain_words(
    app, owner_client
):
    response = upload(owner_client, many_rows((EIGHT_MIB - 20) // 12))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"Nothing was imported: {TOO_MANY_ROWS}." in html
    assert 'role="alert"' in html
    assert stored(app, "select count(*) from import_batches") == [(0,)]
    assert stored(app, "select count(*) from bookings") == [(0,)]
    # The form says the bound before the owner tries.
    assert "up to 8 MB and 50,000 bookings" in owner_client.get(PAGE).text


def test_the_dashboard_refuses_a_million_columns_with_a_short_page(app, owner_client):
    response = upload(owner_client, wide_header())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "row 1 has more than 200 columns" in html
    assert len(html) < 100_000
    assert stored(app, "select count(*) from import_batches") == [(0,)]


def test_the_preview_lists_50_dropped_columns_and_counts_the_rest(owner_client):
    extra = [f"Extra column {i}" for i in range(200 - len(HEADER))]
    data = export([(*row(), *["x"] * len(extra))], header=(*HEADER, *extra))
    html = upload(owner_client, data).get_data(as_text=True)
    dropped = html.split('<ul class="bookings-dropped">')[1].split("</ul>")[0]
    # Client Name, Email, Phone, Notes and 189 extras are dropped: 193 in all.
    assert dropped.count("<li>") == 51
    assert "<li>Client Name</li>" in dropped and "<li>Extra column 45</li>" in dropped
    assert "Extra column 46" not in dropped
    assert "<li>and 143 more columns</li>" in dropped
    # The bookings are still shown (here the one).
    assert "The booking this file adds, as it will be stored" in html


def test_the_command_refuses_more_than_50000_bookings(runner, tmp_path):
    path = tmp_path / "year.csv"
    path.write_bytes(many_rows(60_000))
    result = runner.invoke(args=["bookings", "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {TOO_MANY_ROWS}"


def test_the_command_says_the_dropped_columns_in_one_short_line(runner, tmp_path):
    extra = [f"Extra column {i}" for i in range(200 - len(HEADER))]
    path = tmp_path / "wide.csv"
    path.write_bytes(export([(*row(), *[""] * len(extra))], header=(*HEADER, *extra)))
    result = runner.invoke(args=["bookings", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = [text for text in result.output.splitlines() if "not imported" in text]
    # 4 client columns and 189 more: counted, three named, never all listed.
    assert lines == [
        "193 other columns not imported, never stored (Client Name, Email, Phone...)."
    ]
    assert "Extra column" not in result.output
