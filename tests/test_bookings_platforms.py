"""Thirteen platforms' exports, as they come, imported with no mapping at all.

Each file in ``tests/platform_exports/`` is made up in the shape of one
platform's appointments export (title lines, totals rows, ``;`` and European
prices, Windows-1252, UTF-16 tabs, ISO times with a zone, multi-line notes),
with fake people. The counts each test expects were counted by hand from what
each file means (the comment beside each platform says how), never from what
the code returns. Then: nothing a client wrote or is called reaches the
database, its WAL, the journal, the terminal or the pages.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from markupsafe import escape

from webapp.tracking.journal_folder import folder_of

from .bookings_data import stored
from .conftest import csrf_token_from, log_in, make_app, store_owner_password
from .test_bookings_upload import upload

EXPORTS = Path(__file__).parent / "platform_exports"
KEPT = ("completed", "confirmed", "upcoming")


@dataclass(frozen=True)
class Export:
    """One platform's export and what it means, counted by hand."""

    file: str
    rows: int
    kept: int
    pending: int
    cancelled: int
    no_show: int
    website: int
    new_clients: int
    # Every row's price added up, and the last appointment's day (the first
    # is March 3, 2025 in every file).
    price_cents: int
    last_day: str
    # The columns that hold a client's name, contact, notes or own words.
    private: tuple
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    # Settings of the practice that made it (a European one for Fresha).
    config: tuple = ()


EXPORTS_BY_PLATFORM = {
    # 10 rows. Checked Out x4 + Confirmed x3 kept; Cancelled and Late Cancel;
    # one No Show. Website: "Your Website" x3 and "Book Now Button (Website)".
    # New: rows 1, 5, 6, 7, 9. Row 7's source names a coworker.
    "massagebook": Export(
        "massagebook.csv",
        rows=10,
        kept=7,
        pending=0,
        cancelled=2,
        no_show=1,
        website=4,
        new_clients=5,
        price_cents=106000,
        last_day="2025-03-14",
        private=("Client", "Email", "Phone", "Notes"),
    ),
    # 10 rows. Accepted x5 kept; Pending x1; Cancelled by Customer, by
    # Seller and Declined; one No Show. Website: "Square Online" x3 and
    # "Online Booking Site" x3 (the practice's own Square site). No
    # new-client column.
    "square": Export(
        "square.csv",
        rows=10,
        kept=5,
        pending=1,
        cancelled=3,
        no_show=1,
        website=6,
        new_clients=0,
        price_cents=118500,
        last_day="2025-03-14",
        private=("Customer", "Email", "Phone Number", "Customer Note"),
    ),
    # 11 rows, Windows-1252. Show x4, Confirmed x2, Checked Out x1 kept;
    # Awaiting Confirmation and Requested pending; one Cancelled; one
    # No-Show. Website: "Book Now Button (Website)" x4. New: "New Customer"
    # appointment type x4.
    "vagaro": Export(
        "vagaro.csv",
        rows=11,
        kept=7,
        pending=2,
        cancelled=1,
        no_show=1,
        website=4,
        new_clients=4,
        price_cents=113500,
        last_day="2025-03-17",
        private=("Customer", "Email", "Cell Phone", "Notes"),
        encoding="cp1252",
    ),
    # 10 rows. The Label names only exceptions: 6 blank + 2 "Checked In"
    # kept, 2 "No Show". No source or new-client column.
    "acuity": Export(
        "acuity.csv",
        rows=10,
        kept=8,
        pending=0,
        cancelled=0,
        no_show=2,
        website=0,
        new_clients=0,
        price_cents=103000,
        last_day="2025-03-17",
        private=("First Name", "Last Name", "Phone", "Email", "Notes"),
    ),
    # 12 bookings between 4 title lines and a totals row and a "Report
    # generated" line. Completed x3, Arrived, Confirmed x2, Booked kept;
    # Unconfirmed x2 pending; Late Cancel and Cancelled; one No-Show.
    # Website: "Your Website" x5. New: "First Visit" Yes x4.
    "mindbody": Export(
        "mindbody.csv",
        rows=12,
        kept=7,
        pending=2,
        cancelled=2,
        no_show=1,
        website=5,
        new_clients=4,
        price_cents=138000,
        last_day="2025-03-18",
        private=("Client", "Email", "Phone", "Appointment Notes"),
    ),
    # 10 rows. Arrived x4 + Booked x2 kept; Clinician Canceled, Canceled,
    # Late Cancellation; one No Show. Website: "Booked Online" Yes x6 (Jane's
    # online booking is the clinic's own page). New: "First Visit" Yes x4.
    "jane": Export(
        "jane.csv",
        rows=10,
        kept=6,
        pending=0,
        cancelled=3,
        no_show=1,
        website=6,
        new_clients=4,
        price_cents=124000,
        last_day="2025-03-14",
        private=("Patient", "Email", "Mobile Phone", "Chart Note"),
    ),
    # 10 rows, ';'-separated, "1.250,00 €", day first. Finished x4,
    # Accepted, Confirmed, Booked kept; Cancelled x2; one No-show.
    # Website: "Your website" x4. No new-client column.
    "fresha": Export(
        "fresha.csv",
        rows=10,
        kept=7,
        pending=0,
        cancelled=2,
        no_show=1,
        website=4,
        new_clients=0,
        price_cents=212500,
        last_day="2025-03-18",
        private=("Client", "Client email", "Client mobile", "Notes"),
        delimiter=";",
        config=(("CURRENCY", "EUR"), ("DATE_ORDER", "DMY")),
    ),
    # 10 rows, UTF-16 tab-separated ("Unicode text"). Completed x4,
    # Confirmed x2 kept; Pending x2; Canceled; No Show. Website: "Booking
    # Page" x5. New: Yes x4.
    "glossgenius": Export(
        "glossgenius.txt",
        rows=10,
        kept=6,
        pending=2,
        cancelled=1,
        no_show=1,
        website=5,
        new_clients=4,
        price_cents=95000,
        last_day="2025-03-14",
        private=("Client Name", "Client Email", "Client Phone", "Notes"),
        encoding="utf-16",
        delimiter="\t",
    ),
    # 10 bookings under a title line, a "Report generated" line below.
    # Completed x3, Checked In, Booked x2 kept; Requested pending; Cancelled
    # x2; No Show. Website: "Book Now Button (Website)" x4. New: Yes x4.
    "schedulicity": Export(
        "schedulicity.csv",
        rows=10,
        kept=6,
        pending=1,
        cancelled=2,
        no_show=1,
        website=4,
        new_clients=4,
        price_cents=98000,
        last_day="2025-03-14",
        private=("Client", "Email", "Phone"),
    ),
    # 10 rows. Show x6 kept; Late Canceled, Canceled, Clinician Canceled;
    # one No Show. No source column. New: "Client Type" New x3.
    "simplepractice": Export(
        "simplepractice.csv",
        rows=10,
        kept=6,
        pending=0,
        cancelled=3,
        no_show=1,
        website=0,
        new_clients=3,
        price_cents=168000,
        last_day="2025-03-14",
        private=("Client", "Client Email", "Client Phone", "Clinician", "Notes"),
    ),
    # 10 rows, ISO times in UTC or with an offset. "Canceled" true x2;
    # "Marked as No-Show" Yes x2; the other 6 kept. Website: UTM Source
    # "website" x4 (one of them canceled). No new-client column.
    "calendly": Export(
        "calendly.csv",
        rows=10,
        kept=6,
        pending=0,
        cancelled=2,
        no_show=2,
        website=4,
        new_clients=0,
        price_cents=112000,
        last_day="2025-03-28",
        private=(
            "Invitee Name",
            "Invitee Email",
            "Text Reminder Number",
            "Cancellation reason",
            "Response 1",
        ),
        config=(("TIME_ZONE", "America/New_York"),),
    ),
    # 10 rows. Finished x4, Confirmed x2 kept; Pending; Canceled by client,
    # Canceled by business; No-show. Website: "Your website" x3. New: yes x4.
    "booksy": Export(
        "booksy.csv",
        rows=10,
        kept=6,
        pending=1,
        cancelled=2,
        no_show=1,
        website=3,
        new_clients=4,
        price_cents=103000,
        last_day="2025-03-14",
        private=("Client name", "Client email", "Client phone"),
    ),
    # 10 rows. The Label names only exceptions: 7 blank + 2 "Checked In"
    # kept, 1 "No Show". Website: "Booking Page" x5. No new-client column.
    "setmore": Export(
        "setmore.csv",
        rows=10,
        kept=9,
        pending=0,
        cancelled=0,
        no_show=1,
        website=5,
        new_clients=0,
        price_cents=102000,
        last_day="2025-03-14",
        private=("Customer Name", "Customer Email", "Customer Phone", "Comments"),
    ),
}

# Free-text sources whose words name someone (the column itself is kept).
FREE_TEXT_SOURCES = (
    "Google search - my coworker Ottoline Brackenbury recommended you",
    "Ottoline Brackenbury",
)


def private_cells(platform):
    """Every non-blank cell of the platform file's private columns."""
    export = EXPORTS_BY_PLATFORM[platform]
    text = (EXPORTS / export.file).read_bytes().decode(export.encoding)
    rows = list(csv.reader(io.StringIO(text), delimiter=export.delimiter))
    start = next(i for i, row in enumerate(rows) if export.private[0] in row)
    header = rows[start]
    columns = [header.index(name) for name in export.private]
    cells = set()
    for row in rows[start + 1 :]:
        for column in columns:
            if column < len(row) and row[column].strip():
                cells.add(row[column].strip())
                # A note's lines apart too: a reader may keep only one.
                cells.update(line.strip() for line in row[column].splitlines())
    # Short cells ("Yes", a first name of three letters) would match
    # unrelated bytes; every fake value worth finding is longer.
    return {cell for cell in cells if len(cell) >= 6}


def import_export(database_path, path, platform, *args):
    """``flask --app webapp bookings import PATH`` as the practice of ``platform``."""
    app = make_app(database_path, **dict(EXPORTS_BY_PLATFORM[platform].config))
    return app.test_cli_runner().invoke(
        args=["bookings", "import", str(path), *args], catch_exceptions=False
    )


def counts(database_path):
    """What the stored bookings say, in the owner's terms."""
    rows = stored(database_path, "select status, channel, new_client from bookings")
    statuses = [status for status, _, _ in rows]
    days = sorted(appointment_days(database_path))
    [(price_cents,)] = stored(database_path, "select sum(price_cents) from bookings")
    return {
        "rows": len(rows),
        "kept": sum(status in KEPT for status in statuses),
        "pending": statuses.count("pending"),
        "cancelled": statuses.count("cancelled"),
        "no_show": statuses.count("no-show"),
        "website": sum(channel == "website" for _, channel, _ in rows),
        "new_clients": sum(new == 1 for _, _, new in rows),
        "price_cents": price_cents,
        "days": (days[0], days[-1]) if days else (),
    }


def appointment_days(database_path):
    """The days of the stored appointments (``day`` is when each was booked)."""
    rows = stored(database_path, "select substr(appointment, 1, 10) from bookings")
    return {day for (day,) in rows}


def expected(platform):
    """The hand-counted figures of one platform's export."""
    export = EXPORTS_BY_PLATFORM[platform]
    return {
        "rows": export.rows,
        "kept": export.kept,
        "pending": export.pending,
        "cancelled": export.cancelled,
        "no_show": export.no_show,
        "website": export.website,
        "new_clients": export.new_clients,
        "price_cents": export.price_cents,
        "days": ("2025-03-03", export.last_day),
    }


def batch_count(database_path):
    """How many imports are recorded."""
    return stored(database_path, "select count(*) from import_batches")[0][0]


# --- Each platform, as it comes -------------------------------------------------


def test_every_platform_has_its_export():
    files = sorted(path.name for path in EXPORTS.iterdir())
    assert files == sorted(export.file for export in EXPORTS_BY_PLATFORM.values())
    assert len(EXPORTS_BY_PLATFORM) == 13


@pytest.mark.parametrize("platform", sorted(EXPORTS_BY_PLATFORM))
def test_each_export_imports_as_it_comes(database_path, platform):
    path = EXPORTS / EXPORTS_BY_PLATFORM[platform].file
    result = import_export(database_path, path, platform)
    assert result.exit_code == 0, result.output
    assert counts(database_path) == expected(platform)
    assert batch_count(database_path) == 1


def test_european_prices_are_read_as_euros_and_cents(database_path):
    import_export(database_path, EXPORTS / "fresha.csv", "fresha")
    prices = sorted(
        row[0] for row in stored(database_path, "select price_cents from bookings")
    )
    # 65,00 € x4, 75,00 €, 90,00 € x2, 180,00 € x2 and the 1.250,00 € card.
    assert prices == [6500] * 4 + [7500] + [9000] * 2 + [18000] * 2 + [125000]
    # 13/03/2025 is the 13th of March: the day comes first.
    assert "2025-03-13" in appointment_days(database_path)


def test_times_with_a_zone_land_on_the_practices_day(database_path):
    import_export(database_path, EXPORTS / "calendly.csv", "calendly")
    days = appointment_days(database_path)
    # 2025-03-18T01:30:00Z is 9:30 PM on the 17th in New York.
    assert "2025-03-17" in days
    assert "2025-03-18" not in days


def test_a_one_megabyte_note_is_dropped_like_any_note(database_path, tmp_path):
    marker = "Calliope's long intake summary"
    note = "\n".join(f"{marker}, line {i}: shoulder, hip, sleep." for i in range(22000))
    assert len(note) > 1_000_000
    text = (EXPORTS / "simplepractice.csv").read_text()
    assert text.count("Drummond-Hay intake summary") == 1
    path = tmp_path / "simplepractice_big.csv"
    path.write_text(text.replace("Drummond-Hay intake summary", f'"{note}"'))
    result = import_export(database_path, path, "simplepractice")
    assert result.exit_code == 0, result.output[:500]
    assert counts(database_path) == expected("simplepractice")
    assert marker not in result.output
    assert marker.encode() not in Path(database_path).read_bytes()


# --- The same booking, not a new one --------------------------------------------


def test_reimporting_an_export_adds_nothing_and_records_no_batch(database_path):
    path = EXPORTS / "massagebook.csv"
    assert import_export(database_path, path, "massagebook").exit_code == 0
    before = stored(database_path, "select * from bookings order by id")
    again = import_export(database_path, path, "massagebook")
    assert again.exit_code == 0, again.output
    assert stored(database_path, "select * from bookings order by id") == before
    assert batch_count(database_path) == 1


def test_a_later_export_updates_the_booking_its_id_names(database_path, tmp_path):
    first = EXPORTS / "acuity.csv"
    assert import_export(database_path, first, "acuity").exit_code == 0
    on_the_10th = (
        "select status, price_cents from bookings where appointment like '2025-03-10%'"
    )
    [(status, price)] = stored(database_path, on_the_10th)
    assert status in KEPT and price == 9500
    # A month later Acuity's export has the same appointment (same id) with
    # the price raised and marked "No Show".
    text = first.read_text()
    row = next(line for line in text.splitlines() if line.endswith(",1180445"))
    changed = row.replace(",95.00,no,0.00,", ",120.00,no,0.00,").replace(
        ",,1180445", ",No Show,1180445"
    )
    assert changed != row and "120.00" in changed and "No Show" in changed
    later = tmp_path / "acuity_april.csv"
    later.write_text(text.replace(row, changed))
    result = import_export(database_path, later, "acuity")
    assert result.exit_code == 0, result.output
    assert stored(database_path, on_the_10th) == [("no-show", 12000)]
    assert counts(database_path)["rows"] == 10


# --- Privacy ----------------------------------------------------------------------


def everything_written(database_path, app):
    """The raw bytes of the database, its WAL and journals, and the journal folder."""
    database = Path(database_path)
    files = [
        path
        for path in database.parent.iterdir()
        if path.is_file() and path.name.startswith(database.name)
    ]
    folder = Path(folder_of(app.config))
    if folder.is_dir():
        files.extend(path for path in folder.rglob("*") if path.is_file())
    return {path.name: path.read_bytes() for path in files}


def test_no_client_detail_from_any_export_is_stored_printed_or_shown(database_path):
    outputs = []
    for platform, export in sorted(EXPORTS_BY_PLATFORM.items()):
        result = import_export(database_path, EXPORTS / export.file, platform)
        assert result.exit_code == 0, f"{platform}: {result.output}"
        outputs.append(result.output)
    total = sum(export.rows for export in EXPORTS_BY_PLATFORM.values())
    assert counts(database_path)["rows"] == total

    app = make_app(database_path)
    store_owner_password(database_path)
    client = app.test_client()
    assert log_in(client).status_code == 302
    pages = {}
    # The bookings were made and kept in February and March 2025.
    march = "?from=2025-02-01&to=2025-03-31"
    for page in ("/stats/bookings", "/stats" + march, "/stats.json" + march):
        response = client.get(page)
        assert response.status_code == 200, page
        pages[page] = response.get_data(as_text=True)
    download = client.get("/stats/bookings.csv" + march)
    assert download.status_code == 200
    pages["/stats/bookings.csv"] = download.get_data(as_text=True)
    assert len(pages["/stats/bookings.csv"].splitlines()) > 1
    written = everything_written(database_path, app)
    assert any(name.endswith(".db") for name in written)

    secrets = set(FREE_TEXT_SOURCES)
    for platform in EXPORTS_BY_PLATFORM:
        secrets |= private_cells(platform)
    assert "Ada Quillfeather" in secrets and "ada.quillfeather@example.com" in secrets
    assert len(secrets) > 13 * 25
    output = "\n".join(outputs)
    found = []
    for secret in sorted(secrets):
        if secret in output:
            found.append(("the terminal", secret))
        for page, html in pages.items():
            if secret in html or escape(secret) in html:
                found.append((page, secret))
        for name, data in written.items():
            if secret.encode() in data or secret.encode("utf-16-le") in data:
                found.append((name, secret))
    assert found == []


# --- The same files through the dashboard's upload ------------------------------


def owner_on(database_path, platform):
    """A signed-in test client of the app as the practice of ``platform`` set it."""
    app = make_app(database_path, **dict(EXPORTS_BY_PLATFORM[platform].config))
    store_owner_password(database_path)
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


@pytest.mark.parametrize("platform", sorted(EXPORTS_BY_PLATFORM))
def test_each_export_uploads_as_it_comes_and_the_page_shows_no_client(
    database_path, platform
):
    client = owner_on(database_path, platform)
    # As the form sends it: no column chosen.
    path = EXPORTS / EXPORTS_BY_PLATFORM[platform].file
    kind = "text/plain" if path.suffix == ".txt" else "text/csv"
    preview = upload(client, path.read_bytes(), path.name, kind)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:2000]
    secrets = private_cells(platform) | set(FREE_TEXT_SOURCES)
    assert [s for s in secrets if s in html or escape(s) in html] == []
    # Nothing counts before the owner confirms the preview.
    confirmed = "select count(*) from import_batches where confirmed_at != ''"
    assert stored(database_path, confirmed) == [(0,)]
    batch = re.search(r"/stats/bookings/(\d+)/confirm", html)
    assert batch, "the preview offers no confirm button"
    token = csrf_token_from(html)
    done = client.post(
        f"/stats/bookings/{batch[1]}/confirm",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert [s for s in secrets if s in page or escape(s) in page] == []
    assert counts(database_path) == expected(platform)
