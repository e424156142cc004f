"""Nothing answered is lost: a real gunicorn killed with ``kill -9`` mid-load.

Readers click ``/book`` and read ``/`` over many connections; each request
carries its own campaign id (``utm_content``), so every stored event names
the request it came from. A worker, or the whole process group, is killed
while another connection holds the database's write lock (so the killed
workers certainly had events not yet in SQLite); after a restart, every
request that got its 302 or 200 is stored exactly once. A request cut off by
the kill got no answer: its event may or may not be stored, never twice.
"""

import http.client
import itertools
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

from webapp.core.db import BUSY_TIMEOUT_MS

from .servers import Gunicorn, production_env, wait_until

PROJECT = Path(__file__).resolve().parent.parent
BOOKING_URL = "https://www.massagebook.com/therapists/Reachforserenity"
BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
# What a browser sends when a reader opens a page or presses a link.
NAVIGATION = {
    "User-Agent": BROWSER,
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-User": "?1",
}
WORKERS = 3
CONNECTIONS = 12
REQUESTS = 2400
# Generous: a slow machine waits longer, a broken feature still fails.
DEADLINE_SECONDS = 120


class SessionGunicorn(Gunicorn):
    """gunicorn as the leader of a process group of its own (for os.killpg)."""

    def command(self):
        """The shipped command, started by setsid (same pid, a new group)."""
        return ["setsid", *super().command()]


def serve(database, log_path, server=Gunicorn):
    """Start gunicorn with several workers on ``database``."""
    env = production_env(
        database,
        FLASK_SECRET_KEY="crash-test-secret-key-0123456789abcdef",
        FLASK_BOOKING_URL=None,  # the default, the owner's booking page
    )
    return server(env, PROJECT, log_path, args=["--workers", str(WORKERS)]).start()


class Readers:
    """Many connections clicking and reading; what each request was answered."""

    def __init__(self, port):
        self.port = port
        self.answers = {}  # request id -> (kind, status, Location)
        self.unanswered = set()
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []

    def start(self, total):
        """Send ``total`` requests from CONNECTIONS threads, in the background."""
        self.total = total
        self.threads = [
            threading.Thread(target=self._reader, daemon=True)
            for _ in range(CONNECTIONS)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def _reader(self):
        """One reader's connection: requests until the total is reached."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stopping.is_set():
            number = next(self.ids)
            if number >= self.total:
                break
            kind = "click" if number % 2 else "view"
            path = "/book?from=header&" if kind == "click" else "/?"
            try:
                connection.request(
                    "GET", f"{path}utm_content=r{number}", headers=NAVIGATION
                )
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                # Cut off by a killed worker: no answer, so no promise. A
                # browser would try again: that is a new request, a new id.
                with self.lock:
                    self.unanswered.add(f"r{number}")
                connection.close()
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )
                # A moment before the next request, as a browser's retry
                # would take: pacing, not a wait for anything.
                time.sleep(0.01)
                continue
            with self.lock:
                self.answers[f"r{number}"] = (
                    kind,
                    response.status,
                    response.getheader("Location"),
                )
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )
        connection.close()

    def answered(self):
        """How many requests got an answer so far."""
        with self.lock:
            return len(self.answers)

    def wait_for_answers(self, count):
        """Wait until ``count`` requests in all have been answered."""
        assert wait_until(lambda: self.answered() >= count), self.answered()

    def join(self):
        """Wait for every reader to finish."""
        for thread in self.threads:
            thread.join(timeout=DEADLINE_SECONDS * 3)
            assert not thread.is_alive(), "a reader hung"


def stored_ids(database):
    """Every stored event's request id, with how often it is stored."""
    conn = sqlite3.connect(database, timeout=30)
    try:
        return Counter(
            (kind, content)
            for kind, content in conn.execute(
                "SELECT kind, utm_content FROM events WHERE utm_content LIKE 'r%'"
            )
        )
    finally:
        conn.close()


def integrity(database):
    """``PRAGMA integrity_check`` of the database file."""
    conn = sqlite3.connect(database, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


class WriteLock:
    """Another connection holding the database's write lock (BEGIN IMMEDIATE)."""

    def __init__(self, database):
        self.conn = sqlite3.connect(database, isolation_level=None, timeout=30)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self):
        """Let the writers in."""
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


def worker_pids(master_pid):
    """The live workers of a gunicorn master."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def check_every_answer_stored_once(readers, database):
    """Each answered request's event stored once; the cut-off ones at most once."""
    answers = readers.answers
    for number, (kind, status, location) in answers.items():
        expected = (302, BOOKING_URL) if kind == "click" else (200, None)
        assert (status, location) == expected, (number, status, location)
    stored = stored_ids(database)
    assert max(stored.values(), default=1) == 1, "an event was stored twice"
    stored_requests = {content for _kind, content in stored}
    missing = set(answers) - stored_requests
    assert missing == set(), f"{len(missing)} answered request(s) not stored"
    assert stored_requests - set(answers) <= readers.unanswered
    # Clicks and views alike: the kind stored is the kind answered.
    assert {(kind, c) for c, (kind, _s, _l) in answers.items()} <= set(stored)
    assert integrity(database) == [("ok",)]


def all_stored(readers, database):
    """True once every answered request's event is in the database."""
    stored = {content for _kind, content in stored_ids(database)}
    return set(readers.answers) <= stored


def test_kill_9_of_a_worker_mid_load_loses_no_answered_event(database_path, tmp_path):
    server = serve(database_path, tmp_path / "gunicorn.log")
    try:
        readers = Readers(server.port).start(REQUESTS)
        readers.wait_for_answers(REQUESTS // 3)
        # Writes wait on the lock, so the worker dies with events not in SQLite.
        lock = WriteLock(database_path)
        try:
            readers.wait_for_answers(REQUESTS // 3 + 150)
            victim = worker_pids(server.process.pid)[0]
            os.kill(victim, signal.SIGKILL)
            readers.wait_for_answers(REQUESTS // 2)
        finally:
            lock.release()
        readers.join()
        assert readers.answered() + len(readers.unanswered) == REQUESTS
        assert readers.answered() >= REQUESTS - CONNECTIONS
        # Still serving: the worker that replaced the dead one (or another,
        # at its next look) replays the dead worker's journal.
        assert wait_until(lambda: all_stored(readers, database_path))
        folder = database_path.with_name(f"journal-{database_path.name}")
        assert wait_until(lambda: not list(folder.glob(f"{victim}-*")))
        assert server.stop(), "gunicorn did not stop within 30 s of SIGTERM"
    finally:
        server.stop()
    assert f"Worker (pid:{victim}) was sent SIGKILL" in server.log()
    # Started again: what the dead worker left is replayed.
    again = serve(database_path, tmp_path / "again.log")
    try:
        assert wait_until(lambda: all_stored(readers, database_path))
    finally:
        assert again.stop()
    check_every_answer_stored_once(readers, database_path)
    assert "Traceback" not in server.log() + again.log()


def test_kill_9_of_the_whole_process_group_loses_no_answered_event(
    database_path, tmp_path
):
    server = serve(database_path, tmp_path / "gunicorn.log", server=SessionGunicorn)
    group = server.process.pid
    assert os.getpgid(group) == group != os.getpgid(0)  # never our own group
    try:
        readers = Readers(server.port).start(REQUESTS)
        readers.wait_for_answers(REQUESTS // 3)
        lock = WriteLock(database_path)
        try:
            readers.wait_for_answers(REQUESTS // 3 + 300)
            os.killpg(group, signal.SIGKILL)  # master and every worker at once
            server.process.wait(timeout=30)
            readers.stopping.set()
            readers.join()
        finally:
            lock.release()
    finally:
        server.stop()
    answered = readers.answered()
    assert REQUESTS // 3 + 300 <= answered < REQUESTS
    # Nothing runs now: what the clients were answered while the lock was
    # held is nowhere but in the dead workers' journals.
    assert not all_stored(readers, database_path)
    again = serve(database_path, tmp_path / "again.log")
    try:
        assert wait_until(lambda: all_stored(readers, database_path))
        # The dead workers' journals were replayed, then removed.
        folder = database_path.with_name(f"journal-{database_path.name}")

        def only_live_journals():
            live = set(worker_pids(again.process.pid))
            names = [n for n in os.listdir(folder) if n.endswith(".journal")]
            return all(int(name.split("-")[0]) in live for name in names)

        assert wait_until(only_live_journals)
    finally:
        assert again.stop()
    check_every_answer_stored_once(readers, database_path)


def test_a_database_locked_past_the_busy_timeout_delays_no_click_and_loses_none(
    database_path, tmp_path
):
    server = serve(database_path, tmp_path / "gunicorn.log")
    try:
        lock = WriteLock(database_path)
        try:
            readers = Readers(server.port).start(400)
            readers.join()  # every request answered while the lock is held
            locked_answers = readers.answered()
            # Held until a waiting write gave up (its busy timeout): its
            # events are kept in the journal.
            assert wait_until(
                lambda: "kept in the journal" in server.log(),
                BUSY_TIMEOUT_MS / 1000 + 60,
            ), server.log()
            assert stored_ids(database_path) == Counter()
        finally:
            lock.release()
        assert locked_answers == 400 and readers.unanswered == set()
        assert wait_until(lambda: all_stored(readers, database_path))
        assert server.stop()
    finally:
        server.stop()
    check_every_answer_stored_once(readers, database_path)
    assert len(stored_ids(database_path)) == 400
    log = server.log()
    assert "kept in the journal" in log and "database is locked" in log
