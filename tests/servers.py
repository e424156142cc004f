"""Real servers for tests and benchmarks: gunicorn with the shipped config, HTTP.

No tests live here; the deploy, concurrency, throttling and hardening tests
and the scripts in benchmarks/ import these helpers.
"""

import gzip
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_ROOT / "deploy"
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
FLASK = BIN / "flask"
GOOD_KEY = secrets.token_hex(32)
BOOKING_URL = "https://booking.example/therapists/test"
# crawlerdetect counts python-urllib and the like as bots; readers use browsers.
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
STARTUP_SECONDS = 30


def production_env(database, **extra):
    """A clean environment for a production run (no debug, no testing).

    Keyword arguments add or replace variables; a value of None removes one.
    """
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(Path(database).parent),
        "PYTHONDONTWRITEBYTECODE": "1",
        "FLASK_DATABASE": str(database),
        "FLASK_SECRET_KEY": GOOD_KEY,
        "FLASK_BOOKING_URL": BOOKING_URL,
    }
    env.update(extra)
    return {key: value for key, value in env.items() if value is not None}


def without_root_powers(command):
    """``command`` run so that file permissions bind it, even when we are root.

    Root ignores permission bits (CAP_DAC_OVERRIDE); without its capabilities
    a 0555 folder is read-only to it like to anyone else.
    """
    if os.geteuid() != 0:
        return list(command)
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all", *command]


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrated_database(folder):
    """Create and migrate data.db in ``folder`` with the real command."""
    path = Path(folder) / "data.db"
    subprocess.run(
        [str(FLASK), "--app", "webapp", "migrate"],
        env=production_env(path),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


class Response:
    """What came back over HTTP: status, headers (lower-case names), body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        """The body as text (gzip undone, as a browser would)."""
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8", "replace")


def request(port, path, method="GET", headers=None, timeout=10, https=False, body=None):
    """One request on a fresh connection to 127.0.0.1:port; never follows.

    A ``body`` (str) is sent as a form, as a browser posts one.
    """
    if https:
        import ssl

        context = ssl._create_unverified_context()  # our own self-signed cert
        conn = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = {"User-Agent": BROWSER_UA, **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        body = response.read()
        names = {name.lower(): value for name, value in response.getheaders()}
        return Response(response.status, names, body)
    finally:
        conn.close()


def asset_path(page_html, name):
    """The versioned URL of a static asset, as the page links it."""
    match = re.search(r"/static/" + re.escape(name) + r"\?v=[0-9a-f]+", page_html)
    assert match, f"the page does not link {name} with a ?v= hash"
    return match.group(0).replace("&amp;", "&")


class GunicornFailed(RuntimeError):
    """gunicorn did not start, or did not stop when asked; carries its log."""


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py, bound to a free loopback port.

    ``ready_path`` is the page that must answer 200 before the server counts
    as started (the bare benchmark app has no /healthz).
    """

    def __init__(self, env, cwd, log_path, args=(), ready_path="/healthz"):
        self.env = env
        self.ready_path = ready_path
        self.cwd = cwd
        self.log_path = Path(log_path)
        self.port = free_port()
        self.args = list(args)
        self.process = None
        self._log = None

    def command(self):
        """The command line: the shipped config, with only the bind overridden."""
        return [
            str(GUNICORN),
            "--config",
            str(DEPLOY / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.args,
        ]

    def start(self):
        """Start gunicorn and wait until /healthz answers 200."""
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            self.command(),
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise GunicornFailed(f"gunicorn exited early:\n{self.log()}")
            try:
                if request(self.port, self.ready_path, timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise GunicornFailed(f"gunicorn did not become healthy:\n{self.log()}")

    def signal(self, signum):
        """Send a signal to the master (HUP = graceful reload)."""
        self.process.send_signal(signum)

    def worker_pids(self):
        """Workers booted so far, in order, from gunicorn's own log."""
        return [
            int(pid)
            for pid in re.findall(r"Booting worker with pid: (\d+)", self.log())
        ]

    def stop(self):
        """Stop gunicorn gracefully (SIGTERM) and close its log.

        Returns False when it had to be killed after 30 s.
        """
        graceful = True
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                graceful = False
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        return graceful

    def log(self):
        """Everything gunicorn wrote so far."""
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
