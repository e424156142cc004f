"""Moving journal lines into SQLite: a thread per worker process, batched.

Used by webapp/tracking/capture.py: a request only appends its line to the
journal (journal.py), so counting a click never waits for the database.
"""

import atexit
import contextlib
import os
import sqlite3
import threading
import time

from ..core import calendar
from ..core.db import connect, immediate, read_meta, write_meta
from .journal import HEADER_SIZE, decode, dropped_in, forget_after_fork, journal_for
from .journal_folder import JournalRefused, claim_dead, file_names, report
from .store import write_entry

# How many journal bytes one transaction takes at most (some 1,000 events),
# how long the thread lets lines gather after waking, how soon it tries again
# while the database refuses them, how often it looks for journals of dead
# processes, how long a stopping worker may take to store what is left.
BATCH_BYTES = 256 * 1024
GATHER_SECONDS = 0.02
RETRY_SECONDS = 1.0
SCAN_SECONDS = 30.0
DRAIN_SECONDS = 15
# The ``meta`` keys counting what never reached the events table.
DROPPED_KEY = "journal_dropped"
TORN_KEY = "journal_torn"


def lost_counts(db):
    """What the journal lost: ``{"dropped": journal full, "torn": cut-off lines}``."""
    return {
        "dropped": int(read_meta(db, DROPPED_KEY) or 0),
        "torn": int(read_meta(db, TORN_KEY) or 0),
    }


def _add_count(db, key, count):
    """Add ``count`` to a counter in ``meta`` (the caller holds the lock)."""
    if count:
        write_meta(db, key, str(int(read_meta(db, key) or 0) + count))


@contextlib.contextmanager
def _savepoint(db):
    """A savepoint around one entry (plain SQL: this runs for every event)."""
    conn = db.conn
    conn.execute("SAVEPOINT entry")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO entry")
        conn.execute("RELEASE entry")
        raise
    conn.execute("RELEASE entry")


def _database_refuses(error):
    """True for a database error that is no entry's fault (locked, read-only...)."""
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(
        error, sqlite3.IntegrityError
    )


def _write_one_by_one(app, entries, write, on_error):
    """Write each entry in its own savepoint; report the ones that fail."""
    db, secret, tz, today, salts = write
    for entry in entries:
        try:
            with _savepoint(db):
                write_entry(db, entry, secret, tz, today, salts)
        except Exception as error:
            salts.clear()  # a salt it made may have been undone with it
            if _database_refuses(error):
                raise
            on_error(app, error, None)


def store_lines(db, app, fd, path, known, final, on_error):
    """Store the next complete lines of one journal file, in one transaction.

    Reads where the database says this file was stored to (never before
    ``known``), writes each line's events in a savepoint and moves the
    file's mark in the same transaction, so no line is ever stored twice.
    A ``final`` file's owner is dead: a last line without its newline was cut
    off mid-write, and is counted as torn. Returns (stored to, more to read).
    """
    name = path.name
    secret, tz = app.config["SECRET_KEY"], calendar.practice_zone(app)
    today = calendar.today(tz).isoformat()
    salts = {}  # each day's, read once: our write lock stops any rotation meanwhile
    with immediate(db):
        row = db.execute(
            "SELECT stored_to, dropped FROM journal_progress WHERE file = ?", [name]
        ).fetchone()
        start = max(row[0] if row else HEADER_SIZE, known)
        size = os.fstat(fd).st_size
        data = os.pread(fd, max(0, min(size - start, BATCH_BYTES)), start)
        complete = data.rfind(b"\n") + 1  # a live owner may be mid-write
        torn, cut = 0, complete
        if final and start + len(data) == size and complete < len(data):
            torn, cut = 1, len(data)  # its owner died mid-write: never finished
        entries = []
        for line in data[:complete].split(b"\n"):
            if not line or line.startswith(b"#"):
                continue
            try:
                entries.append(decode(line))
            except ValueError:
                torn += 1  # a line cut short by a write that failed halfway
        write = (db, secret, tz, today, salts)
        try:
            # All at once first: one savepoint for the batch, not one per event.
            with _savepoint(db):
                for entry in entries:
                    write_entry(db, entry, secret, tz, today, salts)
        except Exception as error:
            if _database_refuses(error):
                raise  # locked, read-only, broken: the lines wait in the journal
            # An entry the database will not take: again, one savepoint each,
            # so that it undoes only itself.
            salts.clear()  # a salt made in the batch was undone with it
            _write_one_by_one(app, entries, write, on_error)
        dropped = dropped_in(fd)
        db.execute(
            "INSERT INTO journal_progress (file, stored_to, dropped) VALUES (?, ?, ?) "
            "ON CONFLICT (file) DO UPDATE SET "
            "stored_to = excluded.stored_to, dropped = excluded.dropped",
            [name, start + cut, dropped],
        )
        _add_count(db, TORN_KEY, torn)
        _add_count(db, DROPPED_KEY, max(0, dropped - (row[1] if row else 0)))
    return start + cut, start + len(data) < size


def retire(db, fd, path):
    """Remove a fully stored journal file, then forget its mark.

    In this order: a crash between the two leaves a mark without a file
    (swept later), never a file without its mark (which would be replayed).
    """
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    os.close(fd)
    with immediate(db):
        db.execute("DELETE FROM journal_progress WHERE file = ?", [path.name])


def replay_dead(db, app, folder, on_error):
    """Store what journals of dead processes hold, then remove them; how many.

    A folder or file that is not ours alone is never replayed (a warning says
    so, once per process).
    """
    replayed = 0
    try:
        claimed = claim_dead(folder, on_refused=lambda error: report(app, error))
    except JournalRefused as error:
        report(app, error)
        return 0
    try:
        while claimed:
            fd, path = claimed[0]
            known, more = HEADER_SIZE, True
            while more:
                known, more = store_lines(db, app, fd, path, known, True, on_error)
            claimed.pop(0)
            retire(db, fd, path)
            replayed += 1
    finally:
        for fd, _path in claimed:
            os.close(fd)  # unlocked: tried again later, from its mark
    # Marks of files that are gone (a crash between unlink and forget).
    try:
        present = file_names(folder)
    except JournalRefused as error:
        report(app, error)  # swapped meanwhile: its marks are not judged by it
        return replayed
    stale = [
        name
        for (name,) in db.execute("SELECT file FROM journal_progress").fetchall()
        if name not in present
    ]
    if stale:
        with immediate(db):
            db.execute(
                "DELETE FROM journal_progress WHERE file IN ({})".format(  # noqa: S608
                    ", ".join("?" for _ in stale)
                ),
                stale,
            )
    return replayed


class JournalWriter:
    """One thread per worker process that moves journal lines into SQLite.

    A request only appends to its journal: a slow, locked or broken database
    never holds up a reader. The thread starts on first use (so after
    gunicorn forks, never at import), wakes when a request wrote, lets a short
    moment's lines gather, and stores them in short transactions over its own
    connection. While the database refuses, it tries again every
    RETRY_SECONDS; it looks for dead processes' journals at its first pass
    and every SCAN_SECONDS. ``on_error(app, error, item)`` reports an entry
    that could not be stored; ``on_wait(app, error)`` a database that refuses.
    """

    def __init__(self, on_error, on_wait, name="journal-writer"):
        self.on_error = on_error
        self._on_wait = on_wait
        self._name = name
        self._reset()

    def install_hooks(self):
        """From init_app: a forked worker forgets its parent's files; exit drains."""
        os.register_at_fork(after_in_child=forget_after_fork)
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self._drain)

    def _reset(self):
        """Forget every thread, lock, connection and journal (fresh process)."""
        self._thread = None
        self._lock = threading.Lock()
        self._pass_lock = threading.Lock()
        self._sources = {}
        self._scanned = {}
        self._waiting = set()
        self._wake = threading.Event()
        self._done = threading.Condition()
        self._asked = self._answered = 0
        self._stopping = False
        self._db = None
        self._db_key = None

    def submit(self, app, journal):
        """Note that ``journal`` (an app's) has a new line; wake the thread."""
        self._sources[journal.folder] = (app, journal)
        self._ensure_running()
        if not self._wake.is_set():
            self._wake.set()

    def watch(self, app):
        """Start this process's writer for ``app`` if it is not running yet."""
        journal = journal_for(app.config)
        if journal.folder not in self._sources:
            self.submit(app, journal)

    def write_now(self, app, journal):
        """Store ``journal``'s lines in this thread (tests: on response close)."""
        self._sources[journal.folder] = (app, journal)
        with self._pass_lock:
            db = connect(app.config["DATABASE"])
            try:
                self._store_source(db, app, journal)
            except Exception as error:
                self._report_wait(app, journal, error)
            finally:
                db.conn.close()

    def flush(self, timeout=30):
        """Wait until a pass started after this call has finished."""
        if self._thread is None:
            return
        with self._done:
            self._asked += 1
            target = self._asked
        self._wake.set()
        with self._done:
            self._done.wait_for(lambda: self._answered >= target, timeout=timeout)

    def _ensure_running(self):
        """Start the writer thread in this process if it is not running."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(
                    target=self._run, name=self._name, daemon=True
                )
                self._thread.start()

    def _run(self):
        """Store journal lines until the process stops."""
        timeout = None
        try:
            while True:
                self._wake.wait(timeout)
                if not self._stopping:
                    time.sleep(GATHER_SECONDS)
                self._wake.clear()
                with self._done:
                    asked = self._asked
                try:
                    backlog = self._pass()
                finally:
                    with self._done:
                        self._answered = asked
                        self._done.notify_all()
                if self._stopping:
                    return
                timeout = RETRY_SECONDS if backlog else SCAN_SECONDS
        finally:
            self._close()

    def _pass(self):
        """Store what every known journal holds; True if some is left waiting."""
        backlog = False
        with self._pass_lock:
            for app, journal in list(self._sources.values()):
                try:
                    db = self._connection(app.config["DATABASE"])
                    backlog |= self._store_source(db, app, journal)
                except Exception as error:
                    backlog = True
                    self._report_wait(app, journal, error)
                    self._close()  # start afresh: the file may have changed
        return backlog

    def _store_source(self, db, app, journal):
        """Replay dead journals (now and then), then store this process's lines."""
        folder = journal.folder
        if time.monotonic() - self._scanned.get(folder, -SCAN_SECONDS) >= SCAN_SECONDS:
            replay_dead(db, app, folder, self.on_error)
            self._scanned[folder] = time.monotonic()
        more = True
        while more and journal.fd is not None:
            dropped = journal.dropped  # at most what the header says now
            if journal.size <= journal.consumed and dropped == journal.recorded_dropped:
                break  # nothing new: no transaction at all
            journal.consumed, more = store_lines(
                db,
                app,
                journal.fd,
                journal.path,
                journal.consumed,
                False,
                self.on_error,
            )
            journal.recorded_dropped = dropped
        try:
            old = journal.rotate_if_done()
        except JournalRefused as error:
            report(app, error)  # kept on: the file it has is still ours
            old = None
        if old is not None:
            retire(db, *old)
        self._waiting.discard(folder)
        return journal.fd is not None and journal.consumed < journal.size

    def _report_wait(self, app, journal, error):
        """Say once per spell that the database refuses; the lines wait."""
        if journal.folder not in self._waiting:
            self._waiting.add(journal.folder)
            self._on_wait(app, error)

    def _connection(self, path):
        """This thread's connection to ``path``, reopened if the file changed.

        Kept open between writes: opening and closing a connection per event
        would checkpoint the WAL at every close. A restored or replaced file
        (another inode) is noticed and reopened, never written past.
        """
        try:
            stat = os.stat(path)
            key = (path, stat.st_dev, stat.st_ino)
        except OSError:
            key = (path, None, None)
        if self._db is not None and self._db_key != key:
            self._close()
        if self._db is None:
            self._db = connect(path)
            self._db_key = key
        return self._db

    def _close(self):
        """Close this thread's connection, if open."""
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(Exception):
                db.conn.close()

    def stop(self):
        """Store what is waiting, then stop the thread and close its connection."""
        self._drain()

    def _drain(self):
        """At process exit: store what is still waiting, within reason."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout=DRAIN_SECONDS)
