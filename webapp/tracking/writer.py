"""Writing to SQLite off the request: a thread per worker process, batched.

Used by webapp/tracking/capture.py, so that counting a click never delays its redirect.
"""

import atexit
import collections
import contextlib
import os
import threading
import time

from ..core.db import connect, immediate

# How many items may wait, how long the thread lets items gather after waking,
# how many it takes at a time, how long a stopping worker may take to write
# what is left (gunicorn's graceful_timeout is longer).
QUEUE_SIZE = 10_000
GATHER_SECONDS = 0.02
BATCH = 200
DRAIN_SECONDS = 15


class QueueFull(RuntimeError):
    """Too many items are waiting for the database: this one is dropped."""


class BackgroundWriter:
    """One thread per worker process that writes queued items to SQLite.

    A request only appends its item to a list: a slow, locked or broken
    database never holds up a reader, not even when every request thread
    would otherwise be waiting on the busy timeout. The thread starts on first
    use (so after gunicorn forks, never at import), wakes when the list stops
    being empty, lets a short moment's items gather (so a busy minute costs
    few wake-ups), keeps its own connection, writes what has gathered in one
    short transaction, and is drained when the worker exits.

    ``write(app, db, item)`` stores one item (the caller holds the write
    lock); ``on_error(app, error, item)`` reports one that was not stored.
    """

    def __init__(self, write, on_error, name="writer"):
        self._write_item = write
        self._on_error = on_error
        self._name = name
        self._reset()
        # A forked worker starts with a clean writer of its own: no thread,
        # no connection, no lock held by a parent's thread, nothing pending.
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self._drain)

    def _reset(self):
        """Forget every thread, lock, connection and item (fresh process)."""
        self._thread = None
        self._lock = threading.Lock()
        self._pending = collections.deque()
        self._wake = threading.Event()
        self._done = threading.Condition()
        self._busy = False
        self._stopping = False
        self._db = None
        self._db_key = None

    def submit(self, app, item):
        """Queue an item for writing; drop it (reported) if far too many wait."""
        self._ensure_running()
        if len(self._pending) >= QUEUE_SIZE:
            self._on_error(app, QueueFull(f"{QUEUE_SIZE} items wait already"), item)
            return
        # deque.append is atomic: no lock on the hot path.
        self._pending.append((app, item))
        if not self._wake.is_set():
            self._wake.set()

    def flush(self, timeout=30):
        """Wait until every item queued so far has been written (or failed)."""
        if self._thread is None:
            return
        self._wake.set()
        with self._done:
            self._done.wait_for(
                lambda: not self._pending and not self._busy, timeout=timeout
            )

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
        """Write pending items until the process stops."""
        try:
            while True:
                self._wake.wait()
                if not self._stopping:
                    time.sleep(GATHER_SECONDS)
                self._wake.clear()
                with self._done:
                    self._busy = True
                try:
                    while self._pending:
                        self._write_some()
                finally:
                    with self._done:
                        self._busy = False
                        self._done.notify_all()
                if self._stopping:
                    return
        finally:
            self._close()

    def _write_some(self):
        """Write up to BATCH pending items."""
        batch = []
        while self._pending and len(batch) < BATCH:
            batch.append(self._pending.popleft())
        by_app = {}
        for app, item in batch:
            by_app.setdefault(app, []).append(item)
        for app, items in by_app.items():
            self._write(app, items)

    def _write(self, app, items):
        """Write items in one transaction; log failures, never raise.

        One transaction for a batch: a busy minute's clicks cost one commit
        (and one wait, if the database is locked), not one each. Each item
        has its own savepoint, so one bad item cannot undo the others.
        """
        failed = set()
        with app.app_context():
            try:
                db = self._connection(app.config["DATABASE"])
                with immediate(db):
                    for number, item in enumerate(items):
                        try:
                            with db.atomic():  # a savepoint inside the transaction
                                self._write_item(app, db, item)
                        except Exception as error:
                            failed.add(number)
                            self._on_error(app, error, item)
            except Exception as error:
                # The transaction itself failed (locked past the busy timeout,
                # read-only, no such table...): none of the batch was stored.
                for number, item in enumerate(items):
                    if number not in failed:
                        self._on_error(app, error, item)
                self._close()  # start afresh: the file may have changed

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
        """Write what is pending, then stop the thread and close its connection."""
        self._drain()

    def _drain(self):
        """At process exit: write what is still pending, within reason."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout=DRAIN_SECONDS)
