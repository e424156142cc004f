"""A big import is stored in short transactions and counts nowhere until it is in.

The pen-test (issue 24) stored 762,563 rows in one transaction: SQLite's
write lock was held for about 20 s, and the owner's login and notes answered
500 "database is locked" all that time. Here 50,000 bookings (the most one
file may hold) go in while another connection keeps writing, with the app's
own busy timeout; a store stopped half-way, by an error, an undo or a killed
worker, leaves nothing counted and nothing behind.
"""

import datetime
import signal
import subprocess
import threading
import time

import pytest

from webapp.bookings import batches, saving, status_changes, summary, transit
from webapp.core.db import BUSY_TIMEOUT_MS, connect, immediate, read_meta

from .bookings_data import HEADER, export, generated, read, row
from .conftest import log_in
from .servers import FLASK, PROJECT_ROOT, production_env
from .test_bookings_upload import batch_of, post_form, upload

FIFTY_THOUSAND = 50_000
# The booking's own columns only: 50,000 rows in 3.4 MB, under the 8 MiB limit.
BOOKING_COLUMNS = (3, 4, 5, 6, 7, 8, 10)
EVERY_DAY = (datetime.date(2020, 1, 1), datetime.date(2030, 12, 31))


def bookings_only(rows):
    """An export of ``rows`` without the client columns."""
    return export(
        [[cells[i] for i in BOOKING_COLUMNS] for cells in rows],
        header=[HEADER[i] for i in BOOKING_COLUMNS],
    )


@pytest.fixture(scope="module")
def year():
    """A file of 50,000 distinct bookings, made once for this module's tests."""
    rows, _by_status, _by_channel = generated(FIFTY_THOUSAND)
    return bookings_only(rows)


def counted(db, config):
    """Every booking the dashboard, stats, letter and exports count, all days."""
    numbers = summary.summarise(db, *EVERY_DAY, config)
    return numbers.bookings + numbers.cancelled + numbers.no_show


def left_behind(path):
    """What the database holds: bookings, batches and the in-transit marks."""
    with connect(str(path)) as db:
        return {
            "bookings": db.execute("select count(*) from bookings").fetchone()[0],
            "batches": db.execute("select count(*) from import_batches").fetchone()[0],
            "records": db.execute(
                "select (select count(*) from booking_status_changes)"
                " + (select count(*) from booking_batch_duplicates)"
            ).fetchone()[0],
            "storing": read_meta(db, transit.STORING_KEY) or "",
            "removing": read_meta(db, transit.REMOVING_KEY) or "[]",
        }


NOTHING = {"bookings": 0, "batches": 0, "records": 0, "storing": "", "removing": "[]"}


class OtherWriter(threading.Thread):
    """Another connection writing over and over, as the site's requests do.

    Each write takes the write lock with the app's busy timeout and notes how
    long it waited, how many bookings were stored by then and how many counted.
    """

    def __init__(self, path, config, before=0):
        super().__init__()
        self.path, self.config = path, config
        # Bookings stored before the import began.
        self.before = before
        self.done = threading.Event()
        self.seen, self.errors = [], []

    def run(self):
        db = connect(str(self.path))
        try:
            while not self.done.is_set():
                started = time.monotonic()
                with immediate(db):
                    waited = time.monotonic() - started
                    db.execute(
                        "INSERT INTO meta (key, value) VALUES ('test_write', ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [str(started)],
                    )
                    in_table = db.execute("select count(*) from bookings").fetchone()
                    self.seen.append((waited, in_table[0], counted(db, self.config)))
                self.done.wait(0.005)
        except Exception as error:
            self.errors.append(error)
        finally:
            db.conn.close()

    def stop(self):
        """Stop writing and wait for the thread."""
        self.done.set()
        self.join()

    def partial(self):
        """What the writes saw while the import was part-way in."""
        return [
            seen
            for seen in self.seen
            if self.before < seen[1] < self.before + FIFTY_THOUSAND
        ]


def test_the_site_keeps_writing_while_50000_bookings_are_stored(
    app, database_path, owner_client, owner_password, year
):
    data = year
    writer = OtherWriter(database_path, app.config)
    logins = []

    def log_in_meanwhile():
        # The owner's login from another browser, once the import is part-way.
        while not writer.partial() and not writer.done.is_set():
            writer.done.wait(0.005)
        if not writer.done.is_set():
            logins.append(log_in(app.test_client(), owner_password).status_code)

    login = threading.Thread(target=log_in_meanwhile)
    writer.start()
    login.start()
    try:
        response = upload(owner_client, data, name="year.csv")
    finally:
        writer.stop()
        login.join()
    assert response.status_code == 200, response.text[:300]
    assert not writer.errors
    partial = writer.partial()
    # The other connection wrote between the import's chunks, again and
    # again, each time within a fraction of its busy timeout...
    assert len(partial) >= 3, f"only {len(partial)} writes while storing"
    longest = max(waited for waited, _in_table, _counted in writer.seen)
    assert longest < BUSY_TIMEOUT_MS / 1000 / 3, f"a write waited {longest:.2f}s"
    assert logins == [302]
    # ... and never saw one of its bookings counted.
    assert {counted_then for _w, _in_table, counted_then in partial} == {0}
    html = response.get_data(as_text=True)
    assert "Rows read</dt><dd>50,000" in html
    with connect(str(database_path)) as db:
        assert counted(db, app.config) == 0  # a preview, until confirmed
        post_form(owner_client, f"/stats/bookings/{batch_of(html)}/confirm")
        assert counted(db, app.config) == FIFTY_THOUSAND
    assert left_behind(database_path)["storing"] == ""


def test_an_undo_begun_mid_way_stops_the_import_which_leaves_nothing(
    app, runner, tmp_path, database_path, year
):
    data = year
    with connect(str(database_path)) as db:
        earlier = batches.store(db, read(export([row()])), "march.csv", confirmed=True)
    writer = OtherWriter(database_path, app.config, before=1)
    undone = []

    def undo_when_part_way():
        while len(writer.partial()) < 1 and not writer.done.is_set():
            writer.done.wait(0.005)
        with connect(str(database_path)) as other:
            undone.append(batches.undo(other, earlier.batch))

    undoer = threading.Thread(target=undo_when_part_way)
    path = tmp_path / "year.csv"
    path.write_bytes(data)
    writer.start()
    undoer.start()
    try:
        result = runner.invoke(args=["bookings", "import", str(path)])
    finally:
        writer.stop()
        undoer.join()
    assert undone and undone[0].removed == 1
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "error: another import or an undo began while this file was being stored, "
        "so nothing from it was kept; import it again"
    )
    # Not one of the file's bookings counted at any moment, none is left.
    assert {counted_then for _w, _in_table, counted_then in writer.partial()} <= {0, 1}
    assert left_behind(database_path) == NOTHING


def test_an_error_half_way_leaves_nothing_and_the_next_import_works(
    app, database_path, monkeypatch
):
    with connect(str(database_path)) as db:
        march = batches.store(db, read(export([row()])), "march.csv", confirmed=True)
        monkeypatch.setattr(saving, "CHUNK_ROWS", 2)
        recorded = status_changes.record
        calls = []

        def fail_on_the_third_chunk(*args):
            calls.append(1)
            if len(calls) == 3:
                raise OSError("disk full")
            return recorded(*args)

        monkeypatch.setattr(status_changes, "record", fail_on_the_third_chunk)
        april = [row(appointment=f"04/{day:02d}/2025 10:00") for day in range(1, 8)]
        with pytest.raises(OSError, match="disk full"):
            batches.store(db, read(export(april)), "april.csv", confirmed=True)
        assert len(calls) == 3  # two chunks were in when it failed
        assert left_behind(database_path) == {**NOTHING, "bookings": 1, "batches": 1}
        assert counted(db, app.config) == 1
        monkeypatch.setattr(status_changes, "record", recorded)
        again = batches.store(db, read(export(april)), "april.csv", confirmed=True)
        assert again.added == 7
        assert [b["id"] for b in batches.list_batches(db)] == [again.batch, march.batch]


def test_an_import_whose_worker_was_killed_counts_nowhere_and_goes(
    app, database_path, year
):
    # `flask bookings import` killed part-way, as the memory cap or a
    # timeout kills a worker: no cleanup of its own ever runs.
    data = year
    path = database_path.parent / "year.csv"
    path.write_bytes(data)
    process = subprocess.Popen(
        [str(FLASK), "--app", "webapp", "bookings", "import", str(path)],
        env=production_env(database_path),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = connect(str(database_path))
    try:
        deadline = time.monotonic() + 60
        while not db.execute("select count(*) from bookings").fetchone()[0]:
            assert process.poll() is None, "the import ended before it was stopped"
            assert time.monotonic() < deadline, "the import never began storing"
            threading.Event().wait(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        half = db.execute("select count(*) from bookings").fetchone()[0]
        assert 0 < half < FIFTY_THOUSAND
        abandoned = db.execute("select id from import_batches").fetchone()[0]
        # Part-way in, and nowhere to be seen: not counted, no preview, no
        # past import, nothing to confirm.
        assert counted(db, app.config) == 0
        assert batches.pending_batch(db) is None
        assert batches.list_batches(db) == []
        assert not batches.confirm(db, abandoned)
        assert batches.cancel(db, abandoned) == batches.NO_LONGER_PENDING
        # The next import removes it before storing its own.
        fresh = batches.store(db, read(export([row()])), "march.csv", confirmed=True)
        assert db.execute("select distinct batch from bookings").fetchall() == [
            (fresh.batch,)
        ]
    finally:
        if process.poll() is None:
            process.kill()
        db.conn.close()
    assert left_behind(database_path) == {**NOTHING, "bookings": 1, "batches": 1}
