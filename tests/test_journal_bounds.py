"""One cap for the whole journal folder, however many workers come and go.

The pen-test's attack: with the database locked and gunicorn recycling its
workers (``--max-requests``), each new worker started a fresh 64 MB
allowance, so the journal folder grew without bound while the lock lasted.
Now ``JOURNAL_MAX_BYTES`` is for the folder: every process looks at the
other files now and then (see webapp/tracking/journal.py for when) and the
folder holds at most ``cap + W * (step + L)`` bytes, plus a 42-byte header
per file opened while it is full. Real processes, real files, a real SQLite
file locked by another connection.
"""

import datetime
import multiprocessing
import os
import re
import sqlite3
from pathlib import Path

import pytest

from webapp.core.db import connect
from webapp.tracking import journal
from webapp.tracking.journal import HEADER_SIZE, Journal, encode, folder_of
from webapp.tracking.store import Entry
from webapp.tracking.writer import lost_counts, replay_dead

from .conftest import create_migrated_database, make_app
from .servers import BOOKING_URL, Gunicorn, production_env, request, wait_until

PROJECT = Path(__file__).resolve().parent.parent
JOURNAL_FILE = re.compile(r"^\d+-[0-9a-f]{16}\.journal$")
SECRET = "bounds-test-secret-key-0123456789abcdef"
# Small enough that a few hundred clicks fill it.
CAP = 64 * 1024
DEADLINE_SECONDS = 120


def folder_bytes(folder):
    """(bytes, files) of the journal files in ``folder`` as they are on disk."""
    sizes = [
        entry.stat().st_size
        for entry in os.scandir(folder)
        if JOURNAL_FILE.match(entry.name)
    ]
    return sum(sizes), len(sizes)


def longest_line(folder):
    """The longest journal line (newline included) in the folder's files."""
    return max(
        len(line) + 1
        for entry in os.scandir(folder)
        if JOURNAL_FILE.match(entry.name)
        for line in Path(entry.path).read_bytes().split(b"\n")
    )


def documented_bound(cap, writers, line, files):
    """What journal.py promises: cap + W * (step + L) + a header per file."""
    step = Journal("unused", cap).step  # LOOK_EVERY_BYTES or 1/64 of the cap
    return cap + writers * (step + line) + files * HEADER_SIZE


class ExclusiveLock:
    """Another connection holding an exclusive transaction on the database."""

    def __init__(self, database):
        self.conn = sqlite3.connect(database, isolation_level=None, timeout=30)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self):
        """Let the writers in."""
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


def click(number):
    """A counted booking click, told apart by its campaign."""
    return Entry(
        datetime.datetime.now(datetime.UTC).timestamp(),
        None,
        page="/",
        utm={"utm_content": f"w{number:06d}"},
        device="mobile",
        browser="Mobile Safari",
        pseudonym="c" * 64,
        events=[{"kind": "click", "placement": "header"}],
    )


def stored_and_dropped(database):
    """(clicks stored, events counted as dropped) in the database."""
    db = connect(str(database))
    try:
        stored = db.execute("SELECT count(*) FROM events").fetchone()[0]
        return stored, lost_counts(db)["dropped"]
    finally:
        db.conn.close()


# --- The attack, on a real gunicorn ----------------------------------------------


def test_recycled_workers_share_one_cap_while_the_database_is_locked(tmp_path):
    database = create_migrated_database(tmp_path / "data.db")
    folder = folder_of({"DATABASE": str(database)})
    env = production_env(
        database, FLASK_SECRET_KEY=SECRET, FLASK_JOURNAL_MAX_BYTES=str(CAP)
    )
    workers, recycled_after, total = 2, 150, 1200
    args = ["--workers", str(workers), "--max-requests", str(recycled_after)]
    args += ["--max-requests-jitter", "0"]
    server = Gunicorn(env, PROJECT, tmp_path / "gunicorn.log", args=args).start()
    try:
        lock = ExclusiveLock(str(database))
        try:
            answers = [
                request(server.port, f"/book?from=header&utm_content=r{number}")
                for number in range(total)
            ]
            # Nothing reached the database: everything is in the journal.
            assert stored_and_dropped(database) == (0, 0)
            size, files = folder_bytes(folder)
            line = longest_line(folder)
            bound = documented_bound(CAP, workers, line, files)
        finally:
            lock.release()
        # Every reader got the booking page, cap or not.
        assert {(a.status, a.headers.get("location")) for a in answers} == {
            (302, BOOKING_URL)
        }
        # Workers were recycled (the attack's condition), each leaving its
        # file in the folder, yet all of them together kept within one cap.
        assert len(server.worker_pids()) >= 3 * workers, server.log()
        assert files >= 3 * workers
        assert size <= bound, f"{size} B in {files} files, bound {bound} B"
        assert size > CAP - line, "the cap was reached: clicks were dropped"
        assert server.stop()
    finally:
        server.stop()
    # Started again, the new workers replay what the recycled ones left: every
    # click answered is either stored or counted as dropped, never lost unseen.
    again = Gunicorn(env, PROJECT, tmp_path / "again.log").start()
    try:
        assert wait_until(lambda: sum(stored_and_dropped(database)) == total)
        stored, dropped = stored_and_dropped(database)
        assert stored > 0 and dropped > 0
    finally:
        assert again.stop()
    assert "Traceback" not in server.log() + again.log()


# --- Separate processes writing at once -------------------------------------------


def fill(folder, cap, first, count):
    """One worker process: ``count`` clicks into its own journal, then exit."""
    own = Journal(folder, cap)
    for number in range(first, first + count):
        own.append(encode(click(number)))
    own.close()


def run_workers(folder, cap, first, workers, count):
    """``workers`` processes appending at the same time; wait for them all."""
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=fill, args=(folder, cap, first + n * count, count))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=DEADLINE_SECONDS)
        assert process.exitcode == 0


def test_processes_writing_at_once_and_their_successors_share_one_cap(
    database_path,
):
    app = make_app(database_path, SECRET_KEY=SECRET)
    folder = folder_of(app.config)
    cap, workers, count, generations = 32 * 1024, 3, 400, 3
    lock = ExclusiveLock(str(database_path))
    try:
        for generation in range(generations):
            run_workers(folder, cap, generation * workers * count, workers, count)
        size, files = folder_bytes(folder)
        assert files == workers * generations
        bound = documented_bound(cap, workers, longest_line(folder), files)
        assert size <= bound, f"{size} B in {files} files, bound {bound} B"
        # A replay cannot store anything while the lock is held.
        db = connect(str(database_path), busy_timeout_ms=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                replay_dead(db, app, folder, lambda *args: None)
        finally:
            db.conn.close()
    finally:
        lock.release()
    db = connect(str(database_path))
    try:
        assert replay_dead(db, app, folder, lambda *args: None) == files
    finally:
        db.conn.close()
    # What was kept is stored; what was not is counted, to the event.
    stored, dropped = stored_and_dropped(database_path)
    assert stored + dropped == workers * generations * count
    assert stored > 0 and dropped > 0
    assert folder_bytes(folder) == (0, 0)


# --- Room again, and the cost of looking ------------------------------------------


def test_a_full_folder_takes_events_again_once_the_dead_files_are_stored(
    app, database_path
):
    folder = folder_of(app.config)
    dead = Journal(folder, CAP)
    while dead.append(encode(click(dead.size))):
        pass
    dead.close()
    live = Journal(folder, CAP)
    try:
        assert not live.append(encode(click(1))), "the folder is full"
        db = connect(str(database_path))
        try:
            assert replay_dead(db, app, folder, lambda *args: None) == 1
        finally:
            db.conn.close()
        # The live process notices within FULL_LOOK_SECONDS, without a restart.
        assert wait_until(lambda: live.append(encode(click(2))), seconds=10)
    finally:
        live.close()


def test_the_folder_is_looked_at_once_per_step_not_per_request(tmp_path, monkeypatch):
    looks = []
    counted = journal.journal_bytes

    def counting(*args, **kwargs):
        looks.append(1)
        return counted(*args, **kwargs)

    monkeypatch.setattr(journal, "journal_bytes", counting)
    own = Journal(tmp_path / "journal", journal.DEFAULT_MAX_BYTES)
    try:
        line = encode(click(1))
        for _ in range(5000):
            assert own.append(line)
    finally:
        own.close()
    # One look on opening, then one per LOOK_EVERY_BYTES written.
    assert len(looks) <= 1 + 5000 * len(line) // journal.LOOK_EVERY_BYTES + 1
