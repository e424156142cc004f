"""Benchmark: GET /book and GET / against a bare Flask app, same gunicorn settings.

Run from the project folder (installs Debian's wrk with apt-get when it is
missing and you are root; otherwise says how to install it):

    .venv/bin/python benchmarks/booking.py

It serves the site (on a fresh, migrated database in a temporary folder) and
benchmarks/bare_app.py with gunicorn on 127.0.0.1, both with
deploy/gunicorn.conf.py, and measures requests per second with wrk, taking
turns (bare, /book, /) for a few rounds and keeping each one's median. A phone
browser's User-Agent and Fetch Metadata are sent, so every /book is a counted
click written to SQLite and every / a counted page view. It prints both ratios
against the bare app (targets: /book >= 0.6, / >= 0.7), what classifying a
User-Agent never seen before costs (a run where every request has a new one,
benchmarks/new_agent.lua, against the run with one), and checks that every
click answered was stored.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.servers import NAVIGATION, Gunicorn, GunicornFailed  # noqa: E402
from webapp.core.db import connect, migrate  # noqa: E402

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
# A reader's phone following one of our links (Fetch Metadata included).
READER = {"User-Agent": PHONE, **NAVIGATION}
WRK_HEADERS = [part for k, v in READER.items() for part in ("-H", f"{k}: {v}")]
TARGETS = {"/book": 0.6, "/": 0.7}
NEW_AGENT_RUN = "site /book, new UA"
SCRIPTS = {NEW_AGENT_RUN: PROJECT / "benchmarks" / "new_agent.lua"}


def main():
    """Serve both apps, measure them in turns, print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per target")
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--gunicorn-arg",
        action="append",
        default=[],
        help="extra gunicorn option for both apps, e.g. --gunicorn-arg=--workers=4",
    )
    args = parser.parse_args()
    wrk = require_wrk()

    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        database = Path(folder) / "bench.db"
        db = connect(str(database))
        migrate(db)
        db.conn.close()
        extra = args.gunicorn_arg
        site = stack.enter_context(
            serve("webapp:create_app()", database, folder, extra)
        )
        bare = stack.enter_context(serve("bare_app:app", database, folder, extra))
        runs = {
            "bare /": f"http://127.0.0.1:{bare}/",
            "site /book": f"http://127.0.0.1:{site}/book?from=header",
            # Every request a User-Agent never seen: classified afresh each time.
            NEW_AGENT_RUN: f"http://127.0.0.1:{site}/book?from=header",
            "site /": f"http://127.0.0.1:{site}/",
            # For reference: the site's own cost with no tracking and no database.
            "site /robots.txt": f"http://127.0.0.1:{site}/robots.txt",
        }
        for name, url in runs.items():  # warm up: workers loaded, caches filled
            measure(wrk, url, 2, args, script=SCRIPTS.get(name))
        rates = {name: [] for name in runs}
        book_requests = 0
        for _ in range(args.rounds):
            for name, url in runs.items():
                script = SCRIPTS.get(name)
                rate, requests, errors = measure(wrk, url, args.duration, args, script)
                if errors:
                    sys.exit(f"{name}: {errors} answers were not 2xx/3xx")
                rates[name].append(rate)
                if name in ("site /book", NEW_AGENT_RUN):
                    book_requests += requests
        stack.close()  # graceful stop: queued clicks are written before exit
        stored = _count_clicks(database)

    medians = {name: statistics.median(values) for name, values in rates.items()}
    print_report(medians, rates, args, book_requests, stored)


def require_wrk():
    """wrk's path; installs Debian's package as root, else explains and exits."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's wrk package...", flush=True)
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "wrk"],
        ):
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        sys.exit("error: this benchmark needs wrk: sudo apt-get install wrk")
    return found


@contextmanager
def serve(app, database, folder, extra=()):
    """Run gunicorn with the deploy settings on a free loopback port."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FLASK_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
        "FLASK_DATABASE": str(database),
    }
    args = ["--pythonpath", str(PROJECT / "benchmarks"), *extra, app]
    log_path = Path(folder) / f"gunicorn-{app.split(':')[0]}.log"
    server = Gunicorn(env, PROJECT, log_path, args, ready_path="/")
    try:
        with server:
            yield server.port
    except GunicornFailed as error:
        sys.exit(str(error))


def measure(wrk, url, duration, args, script=None):
    """Run wrk once: (requests per second, requests, non-2xx/3xx answers)."""
    result = subprocess.run(
        [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{duration}s",
            *WRK_HEADERS,
            *(["-s", str(script)] if script else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        print(f"  note: {url}: socket errors: {socket_errors.group(1)}")
    return rate, requests, int(errors.group(1)) if errors else 0


def _count_clicks(database):
    """Clicks stored by the site during the run."""
    db = connect(str(database))
    try:
        return db.execute(
            "SELECT count(*) FROM events WHERE kind = 'click'"
        ).fetchone()[0]
    finally:
        db.conn.close()


def print_report(medians, rates, args, book_requests, stored):
    """The figures, the two ratios, and whether every click was stored."""
    cpus = os.cpu_count()
    extra = "; gunicorn " + " ".join(args.gunicorn_arg) if args.gunicorn_arg else ""
    print(
        f"\ngunicorn with deploy/gunicorn.conf.py on 127.0.0.1, {cpus} CPU(s); "
        f"wrk -t{args.threads} -c{args.connections}, {args.rounds} x {args.duration}s"
        f" each, median{extra}:\n"
    )
    for name, rate in medians.items():
        runs = ", ".join(f"{r:,.0f}" for r in rates[name])
        print(f"  {name:<19} {rate:>9,.0f} req/s   (runs: {runs})")
    print()
    bare = medians["bare /"]
    for path, target in TARGETS.items():
        ratio = medians[f"site {path}"] / bare
        verdict = "meets" if ratio >= target else "BELOW"
        print(f"  GET {path:<6} / bare = {ratio:.2f}   ({verdict} the {target} target)")
    # Classifying a User-Agent never seen before (crawlerdetect, crawler-user-
    # agents, uap-core): the worst case, a flood of made-up agents.
    ratio = medians[NEW_AGENT_RUN] / medians["site /book"]
    print(f"  GET /book, every User-Agent new / the same one = {ratio:.2f}")
    # The warm-up's clicks are stored too, so at least the measured ones.
    print(f"\n  clicks stored: {stored:,} (measured runs answered {book_requests:,})")
    if stored < book_requests:
        sys.exit("error: fewer clicks stored than answered")


if __name__ == "__main__":
    main()
