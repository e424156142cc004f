"""The schema: migrations keep their names and order; the code writes what exists."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from click import ClickException

from webapp.bookings.batches import BOOKING_COLUMNS
from webapp.core.db import connect, immediate, migrate, open_migrated
from webapp.core.migrations import migrations
from webapp.stats import rollups
from webapp.tracking import capture, store
from webapp.tracking.vocabulary import EVENT_COLUMNS

# What existing databases have recorded in _sqlite_migrations: never renamed.
SHIPPED = [
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


def columns(db, table):
    """``{name: (type, not null)}`` of a table, as SQLite reports it."""
    return {
        row[1]: (row[2], bool(row[3]))
        for row in db.execute(f"PRAGMA table_info({table})").fetchall()
    }


@pytest.fixture
def db(database_path):
    db = connect(str(database_path))
    yield db
    db.conn.close()


def test_migrations_keep_their_names_and_order(db):
    assert [m.name for m in migrations._migrations] == SHIPPED
    applied = [
        row[0]
        for row in db.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")
    ]
    assert applied == SHIPPED


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
        rollups.add_to_rollups(db, {("2025-03-18", "view", "total", ""): (3, 2)})
    assert db.execute("SELECT * FROM filtered_daily").fetchall() == [
        ("2025-03-18", "bot", "view", 5)
    ]
    assert db.execute("SELECT * FROM daily_counts").fetchall() == [
        ("2025-03-18", "view", "total", "", 3, 2)
    ]
    assert set(columns(db, "daily_counts")) == {
        "day",
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
    migrations.apply(db, stop_before="m101_events")
    db.conn.close()
    with pytest.raises(ClickException) as error:
        open_migrated(str(old))
    assert error.value.message == (
        f"database {old} has 9 pending migration(s) (m101_events, "
        "m102_filtered_daily, m103_daily_counts, m104_daily_counts_covering, "
        "m203_login_ceiling, m105_journal_progress, m301_bookings, m302_notes, "
        "m401_digest_sends): run `flask --app webapp migrate`"
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
    }
    # The fingerprints each batch met already stored, so that undo keeps them.
    assert columns(db, "booking_batch_duplicates") == {
        "batch": ("INTEGER", False),
        "fingerprint": ("TEXT", False),
    }
