"""The writer thread: journal lines into SQLite in batches, one bad entry alone,
a refusing database waited out, a stored journal rotated away."""

import datetime
import os
import sqlite3

import pytest

from webapp.core.db import connect
from webapp.tracking import journal as journal_module
from webapp.tracking import writer as writer_module
from webapp.tracking.journal import Journal, encode, folder_of
from webapp.tracking.store import Entry
from webapp.tracking.writer import JournalWriter

from .conftest import make_app


@pytest.fixture
def app(database_path):
    """The app, with its writer in the background as in production."""
    return make_app(database_path, TRACK_IN_BACKGROUND=True)


@pytest.fixture
def journal(app):
    """A journal of this process for the app's folder (closed after)."""
    opened = Journal(folder_of(app.config))
    yield opened
    opened.close()


@pytest.fixture
def reports():
    """A writer of our own, and what it reported: (errors, waits)."""
    errors, waits = [], []
    made = JournalWriter(
        on_error=lambda app, error, item: errors.append(error),
        on_wait=lambda app, error: waits.append(error),
    )
    yield made, errors, waits
    made.stop()


def click(number):
    """A booking click entry told apart by its campaign."""
    return Entry(
        datetime.datetime.now(datetime.UTC).timestamp(),
        None,
        page="/",
        utm={"utm_content": f"c{number}"},
        pseudonym="b" * 64,
        events=[{"kind": "click", "placement": "header"}],
    )


def stored(app):
    """The campaigns of the clicks stored so far, in order."""
    db = connect(app.config["DATABASE"])
    try:
        return [r[0] for r in db.execute("SELECT utm_content FROM events ORDER BY id")]
    finally:
        db.conn.close()


def test_lines_are_stored_and_one_bad_entry_does_not_undo_the_others(
    app, journal, reports, monkeypatch
):
    writer, errors, waits = reports
    write_entry = writer_module.write_entry

    def failing_for_c1(db, entry, *args, **kwargs):
        if entry.utm.get("utm_content") == "c1":
            raise sqlite3.IntegrityError("NOT NULL constraint failed")
        return write_entry(db, entry, *args, **kwargs)

    monkeypatch.setattr(writer_module, "write_entry", failing_for_c1)
    for number in range(4):
        journal.append(encode(click(number)))
    writer.submit(app, journal)
    writer.flush(timeout=30)
    assert stored(app) == ["c0", "c2", "c3"]
    assert [type(error) for error in errors] == [sqlite3.IntegrityError]
    assert waits == []
    assert journal.consumed == journal.size


def test_a_refusing_database_keeps_the_lines_until_it_takes_them(
    app, journal, reports, monkeypatch
):
    writer, errors, waits = reports
    monkeypatch.setattr(writer_module, "RETRY_SECONDS", 0.05)
    blocker = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setattr(
            writer_module, "connect", lambda path: connect(path, busy_timeout_ms=0)
        )
        for number in range(3):
            journal.append(encode(click(number)))
        writer.submit(app, journal)
        writer.flush(timeout=30)
        assert stored(app) == []
        assert len(waits) == 1 and "locked" in str(waits[0])  # said once, not per try
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # The writer tries again by itself, without a new request.
    for _ in range(100):
        writer.flush(timeout=30)
        if stored(app):
            break
    assert stored(app) == ["c0", "c1", "c2"]
    assert errors == []


def test_flush_waits_for_lines_written_before_it(app, journal, reports):
    writer, _errors, _waits = reports
    writer.flush(timeout=5)  # no thread yet: returns at once
    for number in range(50):
        journal.append(encode(click(number)))
        writer.submit(app, journal)
    writer.flush(timeout=30)
    assert stored(app) == [f"c{n}" for n in range(50)]


def test_a_stored_journal_is_rotated_and_removed(app, journal, reports, monkeypatch):
    writer, errors, _waits = reports
    monkeypatch.setattr(journal_module, "ROTATE_BYTES", 1)
    journal.append(encode(click(1)))
    first = journal.path
    writer.submit(app, journal)
    writer.flush(timeout=30)
    assert not first.exists() and journal.path != first
    journal.append(encode(click(2)))
    writer.submit(app, journal)
    writer.flush(timeout=30)
    assert stored(app) == ["c1", "c2"]
    assert os.listdir(folder_of(app.config)) == [journal.path.name]
    db = connect(app.config["DATABASE"])
    try:
        marks = db.execute("SELECT file FROM journal_progress").fetchall()
    finally:
        db.conn.close()
    assert marks == [] or marks == [(journal.path.name,)]  # no mark of a gone file
    assert errors == []


def test_stop_stores_what_is_waiting(app, journal, reports):
    writer, _errors, _waits = reports
    for number in range(5):
        journal.append(encode(click(number)))
    writer.submit(app, journal)
    writer.stop()
    assert stored(app) == [f"c{n}" for n in range(5)]
