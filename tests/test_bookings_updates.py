"""A later export's word on bookings already imported, by their booking id.

The owner exports every month; where the export has a booking id, a booking
whose price, time or status changed is updated (and undo puts it back), never
added twice, whatever happens to SECRET_KEY. A file with nothing new records
no import; pending bookings are kept apart; the terminal remembers the
columns and status words chosen for a report.
"""

import datetime
import hashlib
import hmac

from webapp.bookings import batches, summary
from webapp.bookings.matching import ID_KEY
from webapp.core.db import connect, read_meta

from . import bookings_data
from .bookings_data import import_file, raw_bytes, read, stored
from .conftest import TEST_SECRET, make_app

CONFIG = {"DATE_ORDER": "MDY", "CURRENCY": "USD"}
HEADER = (
    "Appointment ID",
    "Client Name",
    "Appointment Date",
    "Service",
    "Price",
    "Status",
    "Booked Via",
)
CLIENT = "Philippa Quenby-Marchetti"
# The platform's ids: stored only as keyed hashes, never as they are.
IDS = ("APT-770011", "APT-770012", "APT-770013", "APT-770014")
EVERY_DAY = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def booking(
    number,
    when="03/18/2025 2:30 PM",
    price="$95.00",
    status="Upcoming",
    service="Swedish, 60 min",
):
    """One row of the export: ``number`` indexes IDS ('' for no id)."""
    platform_id = IDS[number] if number is not None else ""
    return (platform_id, CLIENT, when, service, price, status, "Website")


def export(rows, header=HEADER):
    """The bytes of a CSV export (no BOM, no blank line at its end)."""
    return bookings_data.export(rows, header, bom=False, trailing_blank=False)


MARCH = [
    booking(0, when="03/18/2025 2:30 PM"),
    booking(1, when="03/19/2025 10:00 AM"),
    booking(2, when="03/20/2025 11:00 AM"),
]
# April's export: the first booking moved an hour and cost more, and was
# completed; the second was cancelled; the third did not change; one is new.
APRIL = [
    booking(0, when="03/18/2025 3:30 PM", price="$110.00", status="Completed"),
    booking(1, when="03/19/2025 10:00 AM", status="Cancelled"),
    booking(2, when="03/20/2025 11:00 AM"),
    booking(3, when="04/02/2025 9:00 AM"),
]


def by_id(database_path, number):
    """``(appointment, price_cents, status)`` of the booking with IDS[number]."""
    with connect(str(database_path)) as db:
        key = bytes.fromhex(read_meta(db, ID_KEY))
    hashed = hmac.new(key, IDS[number].encode(), hashlib.sha256).hexdigest()
    sql = "select appointment, price_cents, status from bookings where platform_key = ?"
    return stored(database_path, sql, hashed)[0]


def test_a_later_export_updates_the_booking_its_id_names(
    runner, tmp_path, database_path
):
    assert import_file(runner, tmp_path, export(MARCH)).exit_code == 0
    result = import_file(runner, tmp_path, export(APRIL), name="april.csv")
    assert result.exit_code == 0, result.output
    assert "Added 1 booking as import 2: 1 kept" in result.output
    assert (
        "Updated 2 bookings already imported, found by their booking id "
        "(a new price, time, status or service)." in result.output
    )
    # Four bookings, each once, each as April's export says.
    assert stored(database_path, "select count(*) from bookings") == [(4,)]
    assert by_id(database_path, 0) == ("2025-03-18T15:30", 11000, "completed")
    assert by_id(database_path, 1) == ("2025-03-19T10:00", 9500, "cancelled")
    assert by_id(database_path, 2) == ("2025-03-20T11:00", 9500, "upcoming")
    assert stored(
        database_path, "select id, updated, duplicates from import_batches"
    ) == [(1, 0, 0), (2, 2, 3)]
    listing = runner.invoke(args=["bookings", "list-imports"]).output.splitlines()
    # Updated 2, of which both took a new status.
    assert listing[1].split()[-3:] == ["2", "2", "april.csv"]
    # The ids themselves and the client are nowhere in the file.
    raw = raw_bytes(database_path)
    assert not any(platform_id.encode() in raw for platform_id in IDS)
    assert CLIENT.encode() not in raw


def test_the_id_key_is_the_databases_own_not_the_secret_key(tmp_path, database_path):
    first = make_app(database_path, SECRET_KEY="the first secret key").test_cli_runner()
    assert import_file(first, tmp_path, export(MARCH)).exit_code == 0
    key = stored(database_path, "select value from meta where key = ?", ID_KEY)
    assert len(bytes.fromhex(key[0][0])) == 32
    assert key[0][0] != TEST_SECRET
    # A new SECRET_KEY (rotated after a leak, say): the same export adds nothing.
    second = make_app(database_path, SECRET_KEY="a brand new secret").test_cli_runner()
    again = import_file(second, tmp_path, export(APRIL))
    assert again.exit_code == 0, again.output
    assert stored(database_path, "select count(*) from bookings") == [(4,)]
    assert by_id(database_path, 0)[1] == 11000


def test_undo_puts_back_what_an_update_changed(runner, tmp_path, database_path):
    import_file(runner, tmp_path, export(MARCH))
    import_file(runner, tmp_path, export(APRIL))
    result = runner.invoke(args=["bookings", "undo", "2"])
    assert result.output.strip() == (
        "Undid import 2: removed 1 booking; put back what it changed on 2 bookings."
    )
    assert by_id(database_path, 0) == ("2025-03-18T14:30", 9500, "upcoming")
    assert by_id(database_path, 1) == ("2025-03-19T10:00", 9500, "upcoming")
    assert stored(database_path, "select count(*) from bookings") == [(3,)]
    assert stored(database_path, "select count(*) from booking_status_changes") == [
        (0,)
    ]


def test_undo_keeps_what_a_later_import_changed_again(runner, tmp_path, database_path):
    import_file(runner, tmp_path, export(MARCH))
    import_file(runner, tmp_path, export(APRIL))
    # May: the first booking's price changed again; nothing else did.
    may = [
        booking(0, when="03/18/2025 3:30 PM", price="$120.00", status="Completed"),
        *APRIL[1:],
    ]
    assert "Updated 1 booking" in import_file(runner, tmp_path, export(may)).output
    assert runner.invoke(args=["bookings", "undo", "2"]).exit_code == 0
    # May's price stands; April's other changes (time, status) are put back.
    assert by_id(database_path, 0) == ("2025-03-18T14:30", 12000, "upcoming")
    # Undoing May then goes back to the price before both.
    assert runner.invoke(args=["bookings", "undo", "3"]).exit_code == 0
    assert by_id(database_path, 0) == ("2025-03-18T14:30", 9500, "upcoming")


def test_a_dry_run_says_what_would_be_updated_and_changes_nothing(
    runner, tmp_path, database_path
):
    import_file(runner, tmp_path, export(MARCH))
    result = import_file(runner, tmp_path, export(APRIL), "--dry-run")
    assert "Would add 1 booking: 1 kept" in result.output
    assert "Would update 2 bookings already imported" in result.output
    assert by_id(database_path, 0) == ("2025-03-18T14:30", 9500, "upcoming")
    assert stored(database_path, "select count(*) from import_batches") == [(1,)]


def test_a_file_with_nothing_new_records_no_import(runner, tmp_path, database_path):
    assert import_file(runner, tmp_path, export(MARCH)).exit_code == 0
    again = import_file(runner, tmp_path, export(MARCH))
    assert again.exit_code == 0, again.output
    assert "Nothing new in this file: 3 bookings already imported." in again.output
    assert stored(database_path, "select id from import_batches") == [(1,)]
    # The function the dashboard calls says the same and leaves no preview.
    with connect(str(database_path)) as db:
        reading = read(export(MARCH), CONFIG)
        result = batches.store(db, reading, "march.csv", confirmed=False)
        assert result.nothing_new and result.batch == 0
        assert result.nothing_new_text() == (
            "Nothing new in this file: 3 bookings already imported."
        )
        assert batches.pending_batch(db) is None
        assert [b["id"] for b in batches.list_batches(db)] == [1]


def test_a_booking_stored_without_an_id_takes_it_and_is_not_added_again(
    runner, tmp_path, database_path
):
    without_ids = [("", *cells[1:]) for cells in MARCH]
    assert import_file(runner, tmp_path, export(without_ids)).exit_code == 0
    result = import_file(runner, tmp_path, export(MARCH))
    assert "Nothing new in this file: 3 bookings already imported." in result.output
    assert stored(database_path, "select count(*) from bookings") == [(3,)]
    # ...but its id was taken: April's changes find them.
    result = import_file(runner, tmp_path, export(APRIL))
    assert "Updated 2 bookings" in result.output
    assert by_id(database_path, 0) == ("2025-03-18T15:30", 11000, "completed")
    assert stored(database_path, "select count(*) from bookings") == [(4,)]


def test_two_bookings_alike_but_for_their_ids_are_two(runner, tmp_path, database_path):
    first = export([booking(0)])
    second = export([booking(1)])
    assert import_file(runner, tmp_path, first).exit_code == 0
    result = import_file(runner, tmp_path, second)
    assert "Added 1 booking as import 2" in result.output
    assert stored(database_path, "select count(*) from bookings") == [(2,)]


def test_pending_bookings_are_stored_apart_and_never_kept(
    runner, tmp_path, database_path
):
    rows = [
        booking(0, status="Unconfirmed"),
        booking(1, status="Pending", when="03/19/2025 10:00 AM"),
        booking(2, status="Confirmed", when="03/20/2025 10:00 AM"),
    ]
    result = import_file(runner, tmp_path, export(rows))
    assert result.exit_code == 0, result.output
    assert (
        "Added 3 bookings as import 1: 1 kept, 2 pending (not confirmed by the "
        "platform yet: not counted as kept), 0 cancelled, 0 no-show." in result.output
    )
    assert "Kept, by how they were booked: Your website 1" in result.output
    assert stored(database_path, "select kept, pending from import_batches") == [(1, 2)]
    with connect(str(database_path)) as db:
        totals = summary.summarise(db, *EVERY_DAY, CONFIG)
    assert (totals.bookings, totals.pending, totals.website_bookings) == (1, 2, 1)
    # Confirmed by the platform in a later export: kept from then on.
    rows[0] = booking(0, status="Confirmed")
    assert "Updated 1 booking" in import_file(runner, tmp_path, export(rows)).output
    with connect(str(database_path)) as db:
        assert summary.summarise(db, *EVERY_DAY, CONFIG).bookings == 2


UNUSUAL = ("Client", "When", "What", "State of play", "How")


def test_the_terminal_remembers_the_columns_and_words_chosen(
    runner, tmp_path, database_path
):
    march = export([(CLIENT, "2025-03-18", "Swedish", "Ticked", "website")], UNUSUAL)
    options = [
        *("--map", "appointment=When", "--map", "status=State of play"),
        *("--map", "source=How", "--status", "Ticked=completed"),
    ]
    first = import_file(runner, tmp_path, march, *options)
    assert first.exit_code == 0, first.output
    assert "Using the columns you chose last time" not in first.output
    # Next month's export of the same report: one command, nothing to choose.
    april = export([(CLIENT, "2025-04-02", "Swedish", "Ticked", "website")], UNUSUAL)
    second = import_file(runner, tmp_path, april, name="april.csv")
    assert second.exit_code == 0, second.output
    assert second.output.startswith(
        "Using the columns you chose last time for this report.\n"
    )
    assert stored(
        database_path, "select day, status, channel from bookings order by day"
    ) == [
        ("2025-03-18", "completed", "website"),
        ("2025-04-02", "completed", "website"),
    ]
    # Only the headers' hash and the choices are kept, never a cell.
    assert CLIENT.encode() not in raw_bytes(database_path)


def test_a_dry_run_remembers_nothing(runner, tmp_path, database_path):
    march = export([(CLIENT, "2025-03-18", "Swedish", "Ticked", "website")], UNUSUAL)
    options = ["--map", "appointment=When", "--status", "Ticked=completed"]
    assert import_file(runner, tmp_path, march, *options, "--dry-run").exit_code == 0
    assert stored(database_path, "select count(*) from column_maps") == [(0,)]


def test_rows_that_cannot_be_read_are_skipped_when_asked(
    runner, tmp_path, database_path
):
    rows = [*MARCH[:2], booking(2, price="$9x5"), booking(3, when="04/02/2025")]
    refused = import_file(runner, tmp_path, export(rows))
    assert refused.exit_code == 1
    assert "row 4, column “Price”" in refused.stderr
    result = import_file(runner, tmp_path, export(rows), "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    assert "1 row that could not be read skipped: 4." in result.output
    assert stored(database_path, "select count(*) from bookings") == [(3,)]
    assert stored(database_path, "select skipped_rows from import_batches") == [(1,)]


def test_a_bad_status_option_is_a_usage_error(runner, tmp_path):
    result = import_file(runner, tmp_path, export(MARCH), "--status", "Ticked=kept")
    assert result.exit_code == 2
    assert "--status wants WORD=STATUS with STATUS one of completed" in result.output


def test_a_restored_backup_still_knows_the_bookings_by_their_ids(
    runner, tmp_path, database_path
):
    assert import_file(runner, tmp_path, export(MARCH)).exit_code == 0
    copy = tmp_path / "backups" / "copy.db"
    copy.parent.mkdir()
    backup = runner.invoke(args=["backup", str(copy)])
    assert backup.exit_code == 0, backup.output
    # The copy restored on a new server, with a new SECRET_KEY.
    restored = make_app(copy, SECRET_KEY="the new server's secret").test_cli_runner()
    result = import_file(restored, tmp_path, export(APRIL))
    assert result.exit_code == 0, result.output
    assert "Added 1 booking" in result.output
    assert "Updated 2 bookings" in result.output
    assert stored(copy, "select count(*) from bookings") == [(4,)]


def test_undoing_the_import_that_added_a_booking_keeps_it_as_later_updated(
    runner, tmp_path, database_path
):
    import_file(runner, tmp_path, export(MARCH))
    import_file(runner, tmp_path, export(APRIL))
    result = runner.invoke(args=["bookings", "undo", "1"])
    assert result.output.strip() == (
        "Undid import 1: removed 0 bookings; kept 3 bookings another import also holds."
    )
    # April's export holds all four, as April says them.
    assert stored(database_path, "select count(*) from bookings") == [(4,)]
    assert by_id(database_path, 0) == ("2025-03-18T15:30", 11000, "completed")
    # Undoing April too leaves nothing, its changes and records included.
    assert runner.invoke(args=["bookings", "undo", "2"]).exit_code == 0
    assert stored(database_path, "select count(*) from bookings") == [(0,)]
    assert stored(database_path, "select count(*) from booking_status_changes") == [
        (0,)
    ]
