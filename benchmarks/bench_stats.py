"""Benchmark: does the owner's dashboard stay fast as history grows?

Run from the project folder (about a minute, most of it seeding a million
events):

    .venv/bin/python benchmarks/bench_stats.py

It fills two fresh databases with `flask --app webapp seed-demo` (1,000 and
1,000,000 events over 90 days), serves each with gunicorn and the shipped
deploy/gunicorn.conf.py on 127.0.0.1, logs in as the owner through the real
form, and times, in turns, `GET /stats?period=30d` on both and `GET /` (the
article) on both: one request at a time, so these are latencies, with the
median of the measured rounds kept. It prints the figures and two ratios,
against the targets: the 1M dashboard within 2x of the 1k dashboard, and
under 20x the article page. The first (cold) dashboard request of each server
is shown too: it rolls up and summarises today once per worker.

Options: --rounds N (default 25), --large N (default 1000000), --workdir DIR
to keep the seeded databases and reuse them on the next run.
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.servers import NAVIGATION, Gunicorn, GunicornFailed  # noqa: E402

VENV_BIN = Path(sys.executable).parent
FLASK = VENV_BIN / "flask"
SECRET = "benchmark-only-secret-key-0123456789abcdef"
PASSWORD = "benchmark owner password, not a real one"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DASHBOARD = "/stats?period=30d"
ARTICLE = "/"
SMALL = 1_000
WARM_UP = 6
# Targets from the issue: 1M dashboard / 1k dashboard, 1M dashboard / article.
MAX_GROWTH, MAX_VS_ARTICLE = 2.0, 20.0
# Refuse runs that would take far too long (each request is bounded too).
MAX_ROUNDS = 200
REQUEST_TIMEOUT = 60


def main():
    """Seed, serve, log in, measure in turns, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="measured rounds")
    parser.add_argument("--large", type=int, default=1_000_000, help="big database")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) databases here")
    args = parser.parse_args()
    if not 1 <= args.rounds <= MAX_ROUNDS:
        sys.exit(f"--rounds must be between 1 and {MAX_ROUNDS}")

    with ExitStack() as stack:
        if args.workdir:
            folder = args.workdir.resolve()
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sizes = {"1k": SMALL, _name(args.large): args.large}
        databases = {}
        for name, events in sizes.items():
            databases[name] = prepare(folder / f"stats-{events}.db", events)
        servers = {
            name: stack.enter_context(serve(path, folder))
            for name, path in databases.items()
        }
        clients = {name: Client(port) for name, port in servers.items()}
        for client in clients.values():
            client.log_in()
        cold = {name: client.time(DASHBOARD) for name, client in clients.items()}
        for _ in range(WARM_UP):
            for client in clients.values():
                client.time(DASHBOARD)
                client.time(ARTICLE, owner=False)
        timings = {
            (name, path): [] for name in clients for path in (DASHBOARD, ARTICLE)
        }
        started = time.monotonic()
        for _ in range(args.rounds):
            for name, client in clients.items():
                timings[(name, DASHBOARD)].append(client.time(DASHBOARD))
                timings[(name, ARTICLE)].append(client.time(ARTICLE, owner=False))
        elapsed = time.monotonic() - started
    report(sizes, cold, timings, args.rounds, elapsed)


def _name(events):
    """``1M``, ``250k``: a short name for a database size."""
    if events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    return f"{events // 1000}k" if events % 1000 == 0 else str(events)


def _env(database):
    """The environment for flask commands and gunicorn on ``database``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "FLASK_SECRET_KEY": SECRET,
        "FLASK_DATABASE": str(database),
    }


def flask(database, *arguments, stdin=None):
    """Run one `flask --app webapp ...` command; its output, or exit on failure."""
    result = subprocess.run(
        [str(FLASK), "--app", "webapp", *arguments],
        cwd=PROJECT,
        env=_env(database),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout.strip()


def prepare(database, events):
    """A migrated database with ``events`` demo events and the owner's password."""
    marker = database.with_suffix(".seeded")
    if database.exists() and marker.exists() and marker.read_text() == str(events):
        print(f"Reusing {database} ({events:,} events).", flush=True)
    else:
        for path in (database, marker):
            path.unlink(missing_ok=True)
        flask(database, "migrate")
        print(f"Seeding {events:,} events with seed-demo...", flush=True)
        started = time.monotonic()
        flask(database, "seed-demo", "--events", str(events), "--seed", "1")
        print(f"  done in {time.monotonic() - started:.1f}s", flush=True)
        marker.write_text(str(events))
    flask(database, "set-password", "--stdin", stdin=PASSWORD + "\n")
    return database


@contextmanager
def serve(database, folder):
    """gunicorn with the shipped settings on a free loopback port."""
    log_path = folder / f"gunicorn-{database.stem}.log"
    server = Gunicorn(
        _env(database), PROJECT, log_path, ["--access-logfile", "/dev/null"]
    )
    try:
        with server:
            yield server.port
    except GunicornFailed as error:
        sys.exit(str(error))


class Client:
    """A keep-alive HTTP client for one server, with the owner's session cookie."""

    def __init__(self, port):
        self.port = port
        self.cookie = ""
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        """One request: (status, headers, body); reconnects when the server closed."""
        headers = {"User-Agent": PHONE, **NAVIGATION, **(headers or {})}
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return response.status, response, data
        raise AssertionError("unreachable")

    def _take_cookie(self, response):
        """Keep the session cookie the server set (it is Secure: we keep it anyway)."""
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]

    def log_in(self):
        """Log in through the real form, CSRF token included."""
        status, response, page = self.request("GET", "/login")
        self._take_cookie(response)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"csrf_token": token.decode(), "password": PASSWORD}
        )
        status, response, _ = self.request(
            "POST",
            "/login",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self.cookie,
            },
        )
        if status != 302:
            sys.exit(f"login failed on port {self.port}: {status}")
        self._take_cookie(response)

    def time(self, path, owner=True):
        """Seconds for one GET (as the owner, or as a reader without cookies)."""
        headers = {"Cookie": self.cookie} if owner else {}
        started = time.perf_counter()
        status, _, body = self.request("GET", path, headers=headers)
        elapsed = time.perf_counter() - started
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
        if owner and b"What the article brings" not in body:
            sys.exit(f"GET {path} did not show the dashboard")
        return elapsed


def report(sizes, cold, timings, rounds, elapsed):
    """Print the medians, the cold requests and the two ratios."""
    ms = {key: statistics.median(values) * 1000 for key, values in timings.items()}
    small, large = list(sizes)
    print(
        f"\ngunicorn with deploy/gunicorn.conf.py on 127.0.0.1, {os.cpu_count()} "
        f"CPU(s); one request at a time, median of {rounds} rounds "
        f"({elapsed:.1f}s):\n"
    )
    for name, events in sizes.items():
        print(
            f"  {events:>9,} events   GET {DASHBOARD} {ms[(name, DASHBOARD)]:7.1f} ms"
            f"   (first: {cold[name] * 1000:.0f} ms)"
            f"   GET {ARTICLE} {ms[(name, ARTICLE)]:6.1f} ms"
        )
    growth = ms[(large, DASHBOARD)] / ms[(small, DASHBOARD)]
    versus = ms[(large, DASHBOARD)] / ms[(large, ARTICLE)]
    print()
    print(
        f"  {large} dashboard / {small} dashboard = {growth:.2f}   "
        f"({'meets' if growth <= MAX_GROWTH else 'MISSES'} the {MAX_GROWTH:g}x target)"
    )
    print(
        f"  {large} dashboard / article page   = {versus:.1f}    "
        f"({'meets' if versus < MAX_VS_ARTICLE else 'MISSES'} the "
        f"{MAX_VS_ARTICLE:g}x target)"
    )


if __name__ == "__main__":
    main()
