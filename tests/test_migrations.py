"""The schema: steps sort as they run, old databases carry over, columns match."""

import datetime
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click import ClickException
from sqlite_utils.migrations import Migrations

from webapp.bookings.batches import BOOKING_COLUMNS
from webapp.core.db import (
    connect,
    immediate,
    migrate,
    open_migrated,
    pending_migrations,
    read_meta,
)
from webapp.core.migrations import migrations
from webapp.stats import rollups
from webapp.tracking import capture, store
from webapp.tracking.vocabulary import EVENT_COLUMNS

# The steps in the order they run, named so that they sort in that order.
STEPS = [
    "m001_meta",
    "m002_login_attempts",
    "m003_owner_sessions",
    "m004_events",
    "m005_filtered_daily",
    "m006_daily_counts",
    "m007_daily_counts_covering",
    "m008_login_ceiling",
    "m009_journal_progress",
    "m010_bookings",
    "m011_notes",
    "m012_digest_sends",
]
# Their names before issue 27, which older code looks for in the set "webapp".
FORMER = [
    "m001_meta",
    "m201_login_attempts",
    "m202_owner_sessions",
    "m101_events",
    "m102_filtered_daily",
    "m103_daily_counts",
    "m104_daily_counts_covering",
    "m203_login_ceiling",
    "m105_journal_progress",
    "m301_bookings",
    "m302_notes",
    "m401_digest_sends",
]
BEFORE_RENAME = Path(__file__).with_name("database_before_step_rename.sql")


def columns(db, table):
    """``{name: (type, not null)}`` of a table, as SQLite reports it."""
    return {
        row[1]: (row[2], bool(row[3]))
        for row in db.execute(f"PRAGMA table_info({table})").fetchall()
    }


def recorded(db, migration_set):
    """The step names ``db`` records in one migration set, in the order written."""
    return [
        row[0]
        for row in db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? "
            "ORDER BY rowid",
            [migration_set],
        )
    ]


def newer_than(db, migration_set, known):
    """What the deploy helper's rollback warning names: recorded, not known."""
    return [name for name in recorded(db, migration_set) if name not in known]


def older_code():
    """The steps as the code before the rename registered them (never run here)."""
    older = Migrations("webapp")
    for name in FORMER:
        older(name=name)(lambda db: pytest.fail("a step ran twice"))
    return older


def test_steps_are_named_in_the_order_they_run(db):
    names = [m.name for m in migrations._migrations]
    assert names == sorted(names)
    assert names[: len(STEPS)] == STEPS
    assert recorded(db, migrations.name) == names
    # Older code (a rollback) finds each step under the name it knows.
    assert recorded(db, "webapp") == FORMER + names[len(STEPS) :]
    assert older_code().pending(db) == []
    assert newer_than(db, migrations.name, names) == []


def test_a_database_migrated_before_the_rename_upgrades_running_only_new_steps(
    tmp_path,
):
    path = tmp_path / "before.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(BEFORE_RENAME.read_text())
    conn.close()
    db = connect(str(path))
    new_steps = [m.name for m in migrations._migrations][len(STEPS) :]
    assert pending_migrations(db) == new_steps
    migrate(db)  # a step run twice would fail: its tables exist already
    assert pending_migrations(db) == []
    assert read_meta(db, "made_by") == "main before issue 27 item 9"
    assert recorded(db, "webapp") == FORMER + new_steps
    # The deploy helper's warning after a rollback: nothing with this code,
    # only the steps added since the rename with the code before it.
    assert (
        newer_than(db, migrations.name, [m.name for m in migrations._migrations]) == []
    )
    assert newer_than(db, "webapp", FORMER) == new_steps
    older = older_code()
    assert older.pending(db) == []
    older.apply(db)
    db.conn.close()


def test_the_events_table_has_exactly_the_columns_the_code_inserts(db):
    live = columns(db, "events")
    assert list(live) == ["id", *EVENT_COLUMNS]
    # Every column the code writes is NOT NULL, so a missing value is a bug
    # that fails loudly instead of a NULL that no report counts.
    assert all(not_null for name, (_type, not_null) in live.items() if name != "id")
    assert {live[name][0] for name in ("hour", "repeat")} == {"INTEGER"}


def test_a_recorded_visit_fills_every_column(db):
    visit = capture.Visit(
        ip="10.0.0.1",
        user_agent="Mozilla/5.0 (iPhone)",
        reason=None,
        page="/",
        referrer_host="www.google.com",
        utm={"utm_source": "newsletter", "utm_campaign": "spring"},
        device="mobile",
        browser="Mobile Safari",
        events=[{"kind": "click", "placement": "header"}],
    )
    now = datetime.datetime(2025, 3, 18, 15, 30, tzinfo=datetime.UTC)
    store.record(db, visit, "secret", ZoneInfo("America/New_York"), now=now)
    row = dict(
        zip(
            EVENT_COLUMNS,
            db.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events").fetchone(),
            strict=True,
        )
    )
    assert row["ts"] == "2025-03-18T15:30:00Z"
    assert (row["day"], row["hour"]) == ("2025-03-18", 11)
    assert row["placement"] == "header" and row["utm_campaign"] == "spring"
    assert row["utm_medium"] == "" and row["repeat"] == 0
    assert len(row["visitor"]) == 16


def test_filtered_tallies_and_rollups_write_to_their_tables(db):
    with immediate(db):
        store.add_filtered(db, "2025-03-18", "bot", "view")
        store.add_filtered(db, "2025-03-18", "bot", "view", count=4)
        rollups.add_to_rollups(db, {("2025-03-18", "*", "view", "total", ""): (3, 2)})
    assert db.execute("SELECT * FROM filtered_daily").fetchall() == [
        ("2025-03-18", "bot", "view", 5)
    ]
    assert db.execute("SELECT * FROM daily_counts").fetchall() == [
        ("2025-03-18", "*", "view", "total", "", 3, 2)
    ]
    assert set(columns(db, "daily_counts")) == {
        "day",
        "page",
        "kind",
        "dimension",
        "value",
        "events",
        "uniques",
    }


def test_open_migrated_names_what_to_run(tmp_path):
    missing = tmp_path / "nothing.db"
    with pytest.raises(ClickException) as error:
        open_migrated(str(missing))
    assert error.value.message == (
        f"database {missing} does not exist yet: run `flask --app webapp migrate`"
    )
    assert not missing.exists(), "asking must not create an empty file"

    old = tmp_path / "old.db"
    db = connect(str(old))
    migrations.apply(db, stop_before="m004_events")
    db.conn.close()
    with pytest.raises(ClickException) as error:
        open_migrated(str(old))
    assert error.value.message == (
        f"database {old} has 15 pending migrations (m004_events, "
        "m005_filtered_daily, m006_daily_counts, m007_daily_counts_covering, "
        "m008_login_ceiling, m009_journal_progress, m010_bookings, m011_notes, "
        "m012_digest_sends, m013_late_days, m014_booking_channels, "
        "m015_booking_updates, m016_content_revisions, m017_content_photos, "
        "m018_daily_counts_by_page): run "
        "`flask --app webapp migrate`"
    )
    db = connect(str(old))
    migrate(db)
    db.conn.close()
    open_migrated(str(old)).conn.close()


def test_the_bookings_tables_have_what_the_importer_writes(db):
    assert set(BOOKING_COLUMNS) < set(columns(db, "bookings"))
    batches = columns(db, "import_batches")
    assert batches["status_changes"] == ("INTEGER", False)
    assert columns(db, "booking_status_changes") == {
        "batch": ("INTEGER", False),
        "booking": ("INTEGER", False),
        "status": ("TEXT", True),
        "previous": ("TEXT", True),
        "fields": ("TEXT", True),
        "fields_before": ("TEXT", True),
        "by_id": ("INTEGER", True),
    }
    # The fingerprints each batch met already stored, so that undo keeps them.
    assert columns(db, "booking_batch_duplicates") == {
        "batch": ("INTEGER", False),
        "fingerprint": ("TEXT", False),
    }


def test_bookings_stored_before_issue_28_keep_their_channel_and_lose_the_source_text(
    tmp_path,
):
    path = tmp_path / "before.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(BEFORE_RENAME.read_text())
        conn.execute(
            "INSERT INTO import_batches (id, imported_at, confirmed_at, file_name,"
            " rows_read, kept, duplicates) VALUES (1, 'x', 'x', 'export.csv', 4, 4, 0)"
        )
        sources = [
            "Google search - my coworker Ada Quillfeather recommended you",
            "Book Now button on my website",
            "",
            "Walk-in",
        ]
        for number, source in enumerate(sources, start=1):
            conn.execute(
                "INSERT INTO bookings (batch, fingerprint, day, appointment, status,"
                " source, price_cents) VALUES (1, ?, '2026-11-0' || ?,"
                " '2026-11-0' || ?, 'completed', ?, 9500)",
                [f"old{number}", number, number, source],
            )
        conn.execute(
            "INSERT INTO booking_batch_duplicates (batch, fingerprint)"
            " VALUES (1, 'old2')"
        )
    conn.close()
    db = connect(str(path))
    migrate(db)
    assert "source" not in columns(db, "bookings")
    rows = db.execute(
        "SELECT channel, fingerprint FROM bookings ORDER BY id"
    ).fetchall()
    # As the dashboard counted them before: "google" was a directory word.
    assert [channel for channel, _ in rows] == [
        "directory",
        "website",
        "other",
        "other",
    ]
    # The duplicate record follows its booking's new fingerprint (undo keeps it).
    assert db.execute(
        "SELECT fingerprint FROM booking_batch_duplicates"
    ).fetchall() == [(rows[1][1],)]
    db.conn.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"Quillfeather" not in raw
