"""The ``bookings`` commands: import, list-imports, undo; batches and their previews."""

import datetime
import logging
import tempfile
from pathlib import Path

from webapp import create_app
from webapp.bookings import batches, summary
from webapp.bookings.channels import CHANNEL_LABELS, CHANNELS
from webapp.core.db import connect

from .bookings_data import CONFIG, SECRETS, export, generated, read, row


def import_file(runner, tmp_path, data, *args, name="export.csv"):
    """Run ``bookings import`` on ``data`` written to a file; return the result."""
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["bookings", "import", str(path), *args])


def stored(database_path, sql="select * from bookings"):
    """Rows of the test database."""
    db = connect(str(database_path))
    try:
        return db.execute(sql).fetchall()
    finally:
        db.conn.close()


SUMMARY_CONFIG = {
    **CONFIG,
    "BOOKING_WEBSITE_WORDS": "website",
    "BOOKING_DIRECTORY_WORDS": "",
    "DIRECTORY_FEE_PERCENT": 15,
    "DIRECTORY_FEE_MIN": 6,
}


def by_status(database_path):
    """``{status: count}`` of the stored bookings."""
    return dict(
        stored(database_path, "select status, count(*) from bookings group by status")
    )


def booking_count(database_path):
    """How many bookings are stored."""
    return stored(database_path, "select count(*) from bookings")[0][0]


# --- The command ------------------------------------------------------------------


def test_import_prints_what_it_read_kept_and_dropped(runner, tmp_path, database_path):
    rows = [row(), row(status="Cancelled"), row(status="no-show", source="Yelp")]
    result = import_file(runner, tmp_path, export(rows))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Read 3 booking rows from export.csv." in out
    assert "appointment      from “Appointment Date”" in out
    # One short line for the dropped columns, never the whole list.
    assert (
        "4 other columns not imported, never stored (Client Name, Email, Phone...)."
        in out
    )
    assert "Notes" not in out
    assert "Rows dropped: 1 empty row" in out
    assert "Added 3 bookings as import 1: 1 kept, 1 cancelled, 1 no-show." in out
    assert "Already imported (not added again): 0 rows." in out
    assert booking_count(database_path) == 3


def test_a_bad_file_stores_nothing_and_says_one_error_line(
    runner, tmp_path, database_path
):
    rows = [row(), row(), row(status="Maybe")]
    result = import_file(runner, tmp_path, export(rows))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: row 4, column “Status”: unknown status (known: completed, "
        "confirmed, upcoming, pending, cancelled, no-show and their usual words)"
    ]
    assert "Traceback" not in result.output
    assert booking_count(database_path) == 0
    assert stored(database_path, "select count(*) from import_batches")[0][0] == 0


def test_a_missing_date_column_and_a_bad_map_exit_non_zero(runner, tmp_path):
    data = export([("x", "paid")], header=("Client Name", "Status"))
    result = import_file(runner, tmp_path, data)
    assert result.exit_code == 1
    assert "error: no appointment date column" in result.stderr
    result = import_file(runner, tmp_path, data, "--map", "appointment=When")
    assert result.exit_code == 1
    assert "error: --map appointment=When: the file has no such column" in result.stderr


def test_map_names_an_unusual_column(runner, tmp_path, database_path):
    header = ("Client", "When", "Service", "Status", "How")
    data = export([("Ann", "2025-03-18", "Swedish", "paid", "website")], header=header)
    result = import_file(
        runner, tmp_path, data, "--map", "appointment=when", "--map", "source=HOW"
    )
    assert result.exit_code == 0, result.output
    assert stored(database_path, "select day, channel from bookings") == [
        ("2025-03-18", "website")
    ]


def test_dry_run_counts_and_stores_nothing(runner, tmp_path, database_path):
    result = import_file(runner, tmp_path, export([row(), row()]), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 2 bookings: 2 kept" in result.output
    assert "Dry run: nothing was stored." in result.output
    assert booking_count(database_path) == 0


def test_reimport_and_overlapping_export_add_nothing_twice(
    runner, tmp_path, database_path
):
    march = [row(appointment=f"03/{d:02d}/2025 10:00") for d in range(1, 21)]
    # Two identical rows in one file are two bookings (two clients, same slot).
    twins = [row(appointment="03/21/2025 10:00")] * 2
    first = export(march + twins)
    assert import_file(runner, tmp_path, first).exit_code == 0
    assert booking_count(database_path) == 22
    again = import_file(runner, tmp_path, first)
    assert again.exit_code == 0, again.output
    assert "Nothing new in this file: 22 bookings already imported." in again.output
    assert "Added" not in again.output
    assert booking_count(database_path) == 22
    # No empty import is recorded: nothing to list, nothing to undo.
    assert stored(database_path, "select id from import_batches") == [(1,)]
    # An export of March 11 to April 5 overlaps the first by 10 days and the twins.
    april = [row(appointment=f"04/{d:02d}/2025 10:00") for d in range(1, 6)]
    overlapping = export(march[10:] + twins + april)
    result = import_file(runner, tmp_path, overlapping)
    assert "Added 5 bookings as import 3" in result.output
    assert "Already imported (not added again): 12 rows." in result.output
    assert booking_count(database_path) == 27


def test_undo_removes_exactly_one_batch(runner, tmp_path, database_path):
    import_file(runner, tmp_path, export([row(appointment="03/01/2025")]))
    import_file(runner, tmp_path, export([row(appointment="03/02/2025")] * 3))
    listing = runner.invoke(args=["bookings", "list-imports"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[1].split()[0] == "2" and lines[2].split()[0] == "1"
    result = runner.invoke(args=["bookings", "undo", "2"])
    assert result.exit_code == 0
    assert result.output.strip() == "Undid import 2: removed 3 bookings."
    assert stored(database_path, "select batch, day from bookings") == [
        (1, "2025-03-01")
    ]
    missing = runner.invoke(args=["bookings", "undo", "2"])
    assert missing.exit_code == 1
    assert "error: no import 2" in missing.stderr


def test_fifty_thousand_rows_exact_counts_and_no_client_detail_anywhere(
    runner, tmp_path, database_path, caplog
):
    rows, expected_status, by_channel = generated(50_000)
    before = set(Path(tempfile.gettempdir()).iterdir())
    with caplog.at_level(logging.DEBUG):
        result = import_file(runner, tmp_path, export(rows), name="big.csv")
    assert result.exit_code == 0, result.output
    assert "Read 50,000 booking rows" in result.output
    assert by_status(database_path) == dict(expected_status)
    expected_channels = ", ".join(
        f"{CHANNEL_LABELS[c]} {by_channel[c]:,}" for c in CHANNELS if by_channel[c]
    )
    assert f"Kept, by how they were booked: {expected_channels}" in result.output
    # The dashboard's own reading agrees (every booking here counts on 2024..2025).
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "DATABASE": str(database_path)}
    )
    db = connect(str(database_path))
    try:
        totals = summary.summarise(
            db, datetime.date(2024, 1, 1), datetime.date(2026, 1, 1), app.config
        )
    finally:
        db.conn.close()
    assert totals.bookings == sum(by_channel.values())
    assert dict(totals.by_channel) == dict(by_channel)
    assert totals.cancelled == expected_status["cancelled"]
    assert totals.no_show == expected_status["no-show"]
    # No client name, e-mail, phone or note in the database file, its WAL,
    # the captured logs, the command's output or a new temporary file.
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database_path}{suffix}")
        if path.exists():
            data = path.read_bytes()
            assert not any(secret.encode() in data for secret in SECRETS), path
    logged = caplog.text + result.output
    assert not any(secret in logged for secret in SECRETS)
    for path in set(Path(tempfile.gettempdir()).iterdir()) - before:
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret.encode() in data for secret in SECRETS), path


def test_a_pending_preview_counts_nowhere_until_confirmed(database_path):
    db = connect(str(database_path))
    try:
        reading = read(export([row(appointment="03/18/2025", booked="")]))
        pending = batches.store(db, reading, "a.csv", confirmed=False)
        day = datetime.date(2025, 3, 18)
        config = SUMMARY_CONFIG
        assert summary.summarise(db, day, day, config).bookings == 0
        assert batches.list_batches(db) == []
        assert batches.confirm(db, pending.batch)
        assert summary.summarise(db, day, day, config).bookings == 1
        assert not batches.confirm(db, pending.batch)  # only once
    finally:
        db.conn.close()


def test_a_new_import_replaces_a_pending_one(database_path):
    db = connect(str(database_path))
    try:
        first = batches.store(db, read(export([row()])), "a.csv", confirmed=False)
        second = batches.store(db, read(export([row()])), "a.csv", confirmed=False)
        # The same booking again: not a duplicate of a preview that is gone.
        assert second.added == 1
        assert batches.get_batch(db, first.batch) is None
        assert batches.pending_batch(db)["id"] == second.batch
    finally:
        db.conn.close()


def test_a_pending_preview_older_than_a_day_is_deleted(database_path):
    db = connect(str(database_path))
    try:
        long_ago = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
        batches.store(db, read(export([row()])), "a.csv", confirmed=False, now=long_ago)
        assert (
            batches.discard_stale(db, now=long_ago + datetime.timedelta(hours=23)) == 0
        )
        assert (
            batches.discard_stale(db, now=long_ago + datetime.timedelta(hours=25)) == 1
        )
        assert db.execute("select count(*) from bookings").fetchone()[0] == 0
    finally:
        db.conn.close()


def test_a_batch_number_is_never_given_out_twice(runner, tmp_path, database_path):
    # A stale Undo (or Confirm) button must never act on a newer import.
    import_file(runner, tmp_path, export([row(appointment="03/01/2025")]))
    assert runner.invoke(args=["bookings", "undo", "1"]).exit_code == 0
    result = import_file(runner, tmp_path, export([row(appointment="03/02/2025")]))
    assert "as import 2" in result.output
    assert runner.invoke(args=["bookings", "undo", "1"]).exit_code == 1


def test_a_big_file_draws_its_progress_on_stderr_only(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("webapp.bookings.commands.BIG_FILE_BYTES", 1000)
    rows = [
        row(appointment=f"03/{1 + i % 28:02d}/2025 {i % 24}:00") for i in range(300)
    ]
    result = import_file(runner, tmp_path, export(rows))
    assert result.exit_code == 0, result.output
    assert "Reading" in result.stderr
    assert "Reading" not in result.stdout


def test_iso_dates_report_no_day_month_order(runner, tmp_path):
    data = export([("2025-03-18", "paid")], header=("Date", "Status"))
    result = import_file(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "dates read as" not in result.output


# --- Overlapping exports whose statuses moved on ------------------------------------


def march_and_april():
    """Two monthly exports overlapping by ten bookings whose statuses moved on."""
    march = [row(appointment="03/01/2025 09:00"), row(appointment="03/02/2025 09:00")]
    later = [f"03/{d:02d}/2025 10:00" for d in range(20, 30)]
    march += [row(appointment=a, status="Upcoming") for a in later]
    # Two clients in one slot: identical rows, told apart by their order.
    march += [row(appointment="03/30/2025 11:00", status="Upcoming")] * 2
    moved = ["Completed"] * 6 + ["Cancelled"] * 3 + ["No Show"]
    april = [row(appointment="03/02/2025 09:00")]  # unchanged, still completed
    april += [row(appointment=a, status=s) for a, s in zip(later, moved, strict=True)]
    april += [
        row(appointment="03/30/2025 11:00", status="Completed"),
        row(appointment="03/30/2025 11:00", status="Cancelled"),
    ]
    april += [
        row(appointment=f"04/{d:02d}/2025 10:00", status="Upcoming") for d in (2, 3)
    ]
    return export(march), export(april)


def test_an_overlapping_export_updates_statuses_and_adds_nothing_twice(
    runner, tmp_path, database_path
):
    march, april = march_and_april()
    assert import_file(runner, tmp_path, march).exit_code == 0
    assert by_status(database_path) == {"completed": 2, "upcoming": 12}
    result = import_file(runner, tmp_path, april, name="april.csv")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Added 2 bookings as import 2: 2 kept, 0 cancelled, 0 no-show." in out
    assert "Already imported (not added again): 13 rows." in out
    assert (
        "12 bookings changed status (upcoming → completed 7, "
        "upcoming → cancelled 4, upcoming → no-show 1)." in out
    )
    # 16 bookings, each once, each with its April status.
    assert booking_count(database_path) == 16
    assert by_status(database_path) == {
        "completed": 9,
        "cancelled": 4,
        "no-show": 1,
        "upcoming": 2,
    }
    assert stored(
        database_path, "select id, status_changes from import_batches order by id"
    ) == [(1, 0), (2, 12)]
    db = connect(str(database_path))
    try:
        totals = summary.summarise(
            db, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), SUMMARY_CONFIG
        )
    finally:
        db.conn.close()
    assert (totals.bookings, totals.cancelled, totals.no_show) == (11, 4, 1)
    # The same April file again changes nothing, adds nothing, records nothing.
    again = import_file(runner, tmp_path, april, name="april.csv")
    assert "Nothing new in this file: 15 bookings already imported." in again.output
    assert "changed status" not in again.output
    assert booking_count(database_path) == 16
    assert by_status(database_path)["completed"] == 9
    assert stored(database_path, "select id from import_batches") == [(1,), (2,)]
    listing = runner.invoke(args=["bookings", "list-imports"]).output.splitlines()
    assert listing[0].split()[-2:] == ["Status", "File"]
    assert listing[1].split()[-2:] == ["12", "april.csv"]


def test_a_dry_run_says_which_statuses_would_change_and_changes_none(
    runner, tmp_path, database_path
):
    march, april = march_and_april()
    import_file(runner, tmp_path, march)
    result = import_file(runner, tmp_path, april, "--dry-run")
    assert "12 bookings would change status (upcoming → completed 7," in result.output
    assert by_status(database_path) == {"completed": 2, "upcoming": 12}
    assert stored(database_path, "select count(*) from booking_status_changes") == [
        (0,)
    ]


def test_undo_puts_back_the_statuses_its_import_changed(
    runner, tmp_path, database_path
):
    march, april = march_and_april()
    import_file(runner, tmp_path, march)
    import_file(runner, tmp_path, april)
    result = runner.invoke(args=["bookings", "undo", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Undid import 2: removed 2 bookings; put back what it changed on 12 bookings."
    )
    assert by_status(database_path) == {"completed": 2, "upcoming": 12}
    assert stored(database_path, "select count(*) from booking_status_changes") == [
        (0,)
    ]


def test_undo_keeps_a_status_a_later_import_changed_again(
    runner, tmp_path, database_path
):
    for status in ("Upcoming", "Confirmed", "Completed"):
        export_of = export([row(appointment="03/20/2025 10:00", status=status)])
        assert import_file(runner, tmp_path, export_of).exit_code == 0
    assert by_status(database_path) == {"completed": 1}
    # Import 2 (upcoming → confirmed) undone: import 3's later word stands...
    result = runner.invoke(args=["bookings", "undo", "2"])
    assert result.output.strip() == "Undid import 2: removed 0 bookings."
    assert by_status(database_path) == {"completed": 1}
    # ...and undoing import 3 then goes back to what import 1 stored.
    result = runner.invoke(args=["bookings", "undo", "3"])
    assert "put back what it changed on 1 booking" in result.output
    assert by_status(database_path) == {"upcoming": 1}
    # Undoing the import that added the booking keeps it while import 4 also
    # holds it; undoing import 4 then removes it, changes and all.
    import_file(runner, tmp_path, export([row(appointment="03/20/2025 10:00")]))
    result = runner.invoke(args=["bookings", "undo", "1"])
    assert result.output.strip() == (
        "Undid import 1: removed 0 bookings; kept 1 booking another import also holds."
    )
    assert booking_count(database_path) == 1
    assert "removed 1 booking" in runner.invoke(args=["bookings", "undo", "4"]).output
    assert booking_count(database_path) == 0
    assert stored(database_path, "select count(*) from booking_status_changes") == [
        (0,)
    ]


def test_undo_with_a_batch_number_out_of_range_is_a_usage_error(runner):
    for batch in ("99999999999999999999999", "9223372036854775808"):
        result = runner.invoke(args=["bookings", "undo", batch])
        assert result.exit_code == 2, result.output
        assert "is not in the range" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


DAY_19 = "03/19/2025 10:00"
BATCH_AND_DAY = "select batch, substr(appointment, 1, 10) from bookings"


def appointments(database_path):
    """The stored bookings' appointment days, in order."""
    rows = stored(database_path, "select appointment from bookings order by 1")
    return [appointment[:10] for (appointment,) in rows]


def overlapping_imports(runner, tmp_path):
    """Import A (18 and 19 March), then B (19 and 20 March)."""
    first = export([row(appointment="03/18/2025 10:00"), row(appointment=DAY_19)])
    second = export([row(appointment=DAY_19), row(appointment="03/20/2025 10:00")])
    assert import_file(runner, tmp_path, first, name="a.csv").exit_code == 0
    assert import_file(runner, tmp_path, second, name="b.csv").exit_code == 0


def test_undoing_an_older_import_keeps_what_a_later_one_also_holds(
    runner, tmp_path, database_path
):
    overlapping_imports(runner, tmp_path)
    result = runner.invoke(args=["bookings", "undo", "1"])
    assert result.output.strip() == (
        "Undid import 1: removed 1 booking; kept 1 booking another import also holds."
    )
    assert appointments(database_path) == ["2025-03-19", "2025-03-20"]
    # The 19th now belongs to import 2: undoing it removes both of its days.
    assert runner.invoke(args=["bookings", "undo", "2"]).exit_code == 0
    assert appointments(database_path) == []
    assert stored(database_path, "select count(*) from booking_batch_duplicates") == [
        (0,)
    ]


def test_undoing_the_later_import_keeps_the_older_ones_bookings(
    runner, tmp_path, database_path
):
    overlapping_imports(runner, tmp_path)
    result = runner.invoke(args=["bookings", "undo", "2"])
    assert result.output.strip() == "Undid import 2: removed 1 booking."
    assert appointments(database_path) == ["2025-03-18", "2025-03-19"]
    assert runner.invoke(args=["bookings", "undo", "1"]).exit_code == 0
    assert appointments(database_path) == []


def test_a_kept_booking_goes_to_the_newest_import_that_held_it(
    runner, tmp_path, database_path
):
    overlapping_imports(runner, tmp_path)
    third = export([row(appointment=DAY_19), row(appointment="03/21/2025 10:00")])
    assert import_file(runner, tmp_path, third, name="c.csv").exit_code == 0
    assert runner.invoke(args=["bookings", "undo", "1"]).exit_code == 0
    kept = stored(
        database_path, "select batch, substr(appointment, 1, 10) from bookings"
    )
    assert sorted(kept) == [(2, "2025-03-20"), (3, "2025-03-19"), (3, "2025-03-21")]
    # Undoing import 3 hands the 19th on to import 2, which held it too.
    assert runner.invoke(args=["bookings", "undo", "3"]).exit_code == 0
    assert appointments(database_path) == ["2025-03-19", "2025-03-20"]
    assert runner.invoke(args=["bookings", "undo", "2"]).exit_code == 0
    assert appointments(database_path) == []


def test_a_dry_run_records_no_duplicates(runner, tmp_path, database_path):
    data = export([row(appointment=DAY_19)])
    assert import_file(runner, tmp_path, data).exit_code == 0
    assert import_file(runner, tmp_path, data, "--dry-run").exit_code == 0
    assert stored(database_path, "select count(*) from booking_batch_duplicates") == [
        (0,)
    ]


def test_a_windows_1252_file_with_a_late_accent_imports(
    runner, tmp_path, database_path
):
    rows = [row(service="Swedish 60") for _ in range(600)]
    rows.append(row(appointment="03/20/2025 10:00", service="Soin détente"))
    data = export(rows, bom=False).decode().encode("cp1252")
    assert data.index(b"\xe9") > 100 * 1024
    result = import_file(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    services = stored(database_path, "select service from bookings")
    assert ("Soin détente",) in services
