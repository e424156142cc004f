"""The background writer: batches, one bad item alone, a full queue reported."""

import threading
import time

import pytest
from flask import Flask

from webapp.core.db import connect
from webapp.tracking import writer as writer_module
from webapp.tracking.writer import BackgroundWriter, QueueFull


@pytest.fixture
def notes_app(tmp_path):
    """A bare app whose database has a one-column table to write to."""
    path = tmp_path / "writer.db"
    db = connect(str(path))
    db.execute("CREATE TABLE notes (text TEXT NOT NULL)")
    db.conn.close()
    app = Flask("writer-test")
    app.config["DATABASE"] = str(path)
    return app


def stored(app):
    """The notes written so far."""
    db = connect(app.config["DATABASE"])
    try:
        return sorted(row[0] for row in db.execute("SELECT text FROM notes"))
    finally:
        db.conn.close()


def write_note(app, db, item):
    """Store one note; a note of None breaks the NOT NULL rule."""
    db.execute("INSERT INTO notes (text) VALUES (?)", [item])


def test_items_are_written_and_one_bad_item_does_not_undo_the_others(notes_app):
    errors = []
    writer = BackgroundWriter(write_note, lambda app, e, item: errors.append(item))
    for item in ("a", None, "b", "c"):
        writer.submit(notes_app, item)
    writer.stop()
    assert stored(notes_app) == ["a", "b", "c"]
    assert errors == [None]


def test_a_failed_transaction_reports_every_item_of_the_batch(notes_app, tmp_path):
    notes_app.config["DATABASE"] = str(tmp_path / "missing" / "folder" / "x.db")
    errors = []
    writer = BackgroundWriter(write_note, lambda app, e, item: errors.append(item))
    for item in ("a", "b"):
        writer.submit(notes_app, item)
    writer.stop()
    assert sorted(errors) == ["a", "b"]


def test_a_full_queue_drops_the_item_and_reports_it(notes_app, monkeypatch):
    monkeypatch.setattr(writer_module, "QUEUE_SIZE", 2)
    release = threading.Event()
    errors = []

    def slow_write(app, db, item):
        release.wait(10)
        write_note(app, db, item)

    writer = BackgroundWriter(slow_write, lambda app, e, item: errors.append(e))
    writer.submit(notes_app, "first")  # taken by the thread, which then waits
    writer._wake.set()
    for _ in range(100):  # until the thread has taken "first"
        if not writer._pending:
            break
        threading.Event().wait(0.01)
    for item in ("second", "third", "fourth"):
        writer.submit(notes_app, item)
    release.set()
    writer.stop()
    assert stored(notes_app) == ["first", "second", "third"]
    assert len(errors) == 1 and isinstance(errors[0], QueueFull)


def test_flush_returns_at_once_when_nothing_is_queued(notes_app):
    writer = BackgroundWriter(write_note, lambda app, e, item: None)
    started = time.monotonic()
    writer.flush(timeout=5)  # no thread yet
    assert time.monotonic() - started < 1
    writer.submit(notes_app, "a")
    writer.flush(timeout=5)
    started = time.monotonic()
    writer.flush(timeout=5)  # a thread, with nothing left to write
    assert time.monotonic() - started < 1
    writer.stop()
    assert stored(notes_app) == ["a"]


def test_flush_waits_until_every_queued_item_is_stored(notes_app):
    errors = []

    def slow_write(app, db, item):
        time.sleep(0.1)
        write_note(app, db, item)

    writer = BackgroundWriter(slow_write, lambda app, e, item: errors.append(item))
    started = time.monotonic()
    for item in ("a", "b", "c", None):
        writer.submit(notes_app, item)
    writer.flush(timeout=10)
    # Four writes of 0.1 s each happened before flush returned, not after.
    assert time.monotonic() - started >= 0.4
    assert stored(notes_app) == ["a", "b", "c"]
    assert errors == [None]  # a failed item is done with too: flush does not hang
    writer.stop()
