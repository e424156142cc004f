"""A real gunicorn (the deploy settings, several workers) over loopback.

Thousands of clicks from several processes and threads at once are stored
exactly once each; a locked database never delays or breaks the redirect, and
what it refused is stored once it is free; the logs and the database never see
a reader's User-Agent. Crashes (kill -9) are in test_crash_capture.py.
"""

import http.client
import re
import socket
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

from webapp.core.db import BUSY_TIMEOUT_MS, connect
from webapp.site.placements import PLACEMENTS

from .servers import BROWSER_HEADERS, Gunicorn, production_env, wait_until

PROJECT = Path(__file__).resolve().parent.parent
BOOKING_URL = "https://www.massagebook.com/therapists/Reachforserenity"
BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
# A token no log line or database page may ever contain.
PROBE = "Zq9LoadProbe"
WORKERS = 4
PROCESSES = 4
THREADS = 4
CLICKS_PER_THREAD = 250  # 4 x 4 x 250 = 4,000 clicks


@contextmanager
def gunicorn(database, log_path, workers=WORKERS, extra=()):
    """Serve the app from ``database`` with gunicorn; stop it gracefully after."""
    env = production_env(
        database,
        FLASK_SECRET_KEY="concurrency-test-secret-key-0123456789abcdef",
        FLASK_BOOKING_URL=None,  # the default, the owner's booking page
    )
    server = Gunicorn(env, PROJECT, log_path, args=["--workers", str(workers), *extra])
    with server:
        yield server.port
        # graceful: requests in flight finish
        assert server.stop(), "gunicorn did not stop within 30 s of SIGTERM"


def get(port, path, agent=BROWSER):
    """One GET over a fresh connection: (status, Location header)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "GET", path, headers={**BROWSER_HEADERS, "User-Agent": agent}
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def fire_clicks(port, process_number, threads, clicks_per_thread):
    """Run in a separate process: threads clicking /book; count the answers."""
    answers = Counter()
    lock = threading.Lock()

    def clicker(thread_number):
        agent = f"{BROWSER} {PROBE}/{process_number}-{thread_number}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for number in range(clicks_per_thread):
                placement = PLACEMENTS[number % len(PLACEMENTS)]
                for _attempt in range(3):
                    try:
                        connection.request(
                            "GET",
                            f"/book?from={placement}",
                            headers={**BROWSER_HEADERS, "User-Agent": agent},
                        )
                        response = connection.getresponse()
                        response.read()
                        break
                    except (http.client.RemoteDisconnected, ConnectionError):
                        # A kept-alive connection closed by a worker that is
                        # being replaced: unanswered, so sent again (as
                        # browsers do).
                        connection.close()
                        connection = http.client.HTTPConnection(
                            "127.0.0.1", port, timeout=30
                        )
                else:
                    with lock:
                        answers[("unanswered", None, placement)] += 1
                    continue
                location = response.getheader("Location")
                with lock:
                    answers[(response.status, location, placement)] += 1
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", port, timeout=30
                    )
        finally:
            connection.close()

    pool = [threading.Thread(target=clicker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return answers


def _rows(database, sql):
    """Rows from the served database, read after gunicorn has stopped."""
    db = connect(str(database))
    try:
        return db.execute(sql).fetchall()
    finally:
        db.conn.close()


def stored_clicks(database):
    """How many clicks the database holds, by placement."""
    rows = _rows(database, "SELECT placement FROM events WHERE kind = 'click'")
    return Counter(placement for (placement,) in rows)


def test_thousands_of_concurrent_clicks_are_each_stored_exactly_once(
    database_path, tmp_path
):
    log_path = tmp_path / "gunicorn.log"
    total = Counter()
    # Workers are also replaced every few hundred requests meanwhile: a
    # worker that exits stores what it has queued first (test_tracking_writer
    # checks it), or leaves it in its journal for a live worker to replay.
    restarts = ["--max-requests", "400", "--max-requests-jitter", "50"]
    with gunicorn(database_path, log_path, extra=restarts) as port:
        context = get_context("spawn")
        with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
            futures = [
                pool.submit(fire_clicks, port, n, THREADS, CLICKS_PER_THREAD)
                for n in range(PROCESSES)
            ]
            for future in futures:
                total.update(future.result(timeout=300))
    # gunicorn has stopped gracefully: every response's write has finished.
    answered = sum(total.values())
    assert answered == PROCESSES * THREADS * CLICKS_PER_THREAD
    redirects = {key: n for key, n in total.items() if key[:2] == (302, BOOKING_URL)}
    assert sum(redirects.values()) == answered, f"not all 302: {total}"

    expected = Counter()
    for (_status, _location, placement), n in redirects.items():
        expected[placement] += n
    if stored_clicks(database_path) != expected:
        # A stopping worker stores what it has queued, within DRAIN_SECONDS
        # (and the master's graceful_timeout): on a loaded machine the rest
        # waits in its journal, and the next start replays it, as a live
        # worker does within SCAN_SECONDS. Counted once, never lost: the
        # check below says so either way.
        folder = database_path.with_name(f"journal-{database_path.name}")
        left = sorted(path.name for path in folder.iterdir())
        with gunicorn(database_path, tmp_path / "again.log", workers=1):
            wait_until(lambda: stored_clicks(database_path) == expected)
        log = [x for x in log_path.read_text().splitlines() if "GET /book" not in x]
        assert stored_clicks(database_path) == expected, (left, log)
    # Each clicking thread is one reader: one unique click, the rest repeats.
    uniques = _rows(
        database_path,
        "SELECT count(*) FROM events WHERE kind = 'click' AND repeat = 0",
    )
    assert uniques[0][0] == PROCESSES * THREADS
    visitors = _rows(database_path, "SELECT count(DISTINCT visitor) FROM events")
    assert visitors[0][0] == PROCESSES * THREADS

    log = log_path.read_text()
    assert log.count("Booting worker") > WORKERS, "no worker was replaced"
    assert "database is locked" not in log
    assert "Event not recorded" not in log
    assert "Traceback" not in log
    assert PROBE not in log
    raw = database_path.read_bytes()
    assert PROBE.encode() not in raw


def test_a_locked_database_never_delays_or_breaks_the_redirect(database_path, tmp_path):
    """While another connection holds the write lock past the busy timeout.

    Requests only append their events to the worker's journal, so every
    reader is answered at once; the writes wait in the journal until the
    lock is released, and are then stored, each once.
    """
    log_path = tmp_path / "gunicorn.log"
    agent = f"{BROWSER} {PROBE}"
    with gunicorn(database_path, log_path, workers=2) as port:
        assert get(port, "/book?from=header")[0] == 302  # works before the lock
        blocker = sqlite3.connect(database_path, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            timings = []
            for placement in ("article-end", "footer", "technique", "footer"):
                started = time.monotonic()
                answer = get(port, f"/book?from={placement}", agent=agent)
                timings.append(time.monotonic() - started)
                assert answer == (302, BOOKING_URL)
            # Hold the lock until a write waiting on it gave up (its busy timeout).
            assert wait_until(
                lambda: "kept in the journal" in log_path.read_text(),
                BUSY_TIMEOUT_MS / 1000 + 30,
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert max(timings) < 0.5, timings
        assert get(port, "/book?from=footer")[0] == 302  # and works after
    stored = _rows(database_path, "SELECT count(*) FROM events WHERE kind = 'click'")
    log = log_path.read_text()
    # A click whose write waited past the busy timeout stayed in the journal
    # (and the owner is told the database refused it); all six are stored,
    # none twice.
    assert "kept in the journal" in log
    assert "database is locked" in log
    assert stored[0][0] == 6
    assert PROBE not in log


RAW_REQUESTS = [
    "GET //evil.example/book HTTP/1.1\r\nHost: localhost\r\n",
    "GET http://evil.example/book?from=header HTTP/1.1\r\nHost: evil.example\r\n",
    "GET /book?from=header HTTP/1.1\r\nHost: evil.example\r\n",
    "GET /book?from=header HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Host: evil.example\r\n",  # noqa: E501
    "GET /book/..%2F..%2Fevil.example HTTP/1.1\r\nHost: localhost\r\n",
    "GET /book%2F%2Fevil.example HTTP/1.1\r\nHost: localhost\r\n",
    "GET /book?from=%0d%0aLocation:%20http://evil.example HTTP/1.1\r\nHost: x\r\n",
    "GET /%5C%5Cevil.example/book HTTP/1.1\r\nHost: localhost\r\n",
]


def test_raw_open_redirect_attempts_over_http_never_lead_elsewhere(
    database_path, tmp_path
):
    with gunicorn(database_path, tmp_path / "gunicorn.log", workers=1) as port:
        for raw in RAW_REQUESTS:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall((raw + "Connection: close\r\n\r\n").encode("latin-1"))
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            status = int(head.split(" ", 2)[1])
            locations = re.findall(r"(?im)^location:[ \t]*([^\r\n]*)", head)
            assert status in (302, 404), (raw, head)
            if status == 302:
                assert locations == [BOOKING_URL], (raw, head)
            else:
                assert locations == [], (raw, head)
