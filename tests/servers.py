"""Real servers for tests and benchmarks: gunicorn with the shipped config, HTTP.

No tests live here; the deploy, concurrency, throttling and hardening tests
and the scripts in benchmarks/ import these helpers.
"""

import gzip
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
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
# What a current browser sends when a reader opens one of our pages from
# another of them (link, form, button): its Fetch Metadata. Without it, a
# User-Agent of a current browser is a script's. Tests and benchmarks share it.
NAVIGATION = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-User": "?1",
}
BROWSER_HEADERS = {"User-Agent": BROWSER_UA, **NAVIGATION}
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


def wait_until(condition, seconds=120, every=0.1):
    """Poll ``condition`` until it holds or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def run(command, env, cwd, check=True):
    """Run a command; fail the test with its output when it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def need_tool(name, install):
    """The path of the command ``name``; missing, the test skips here, fails in CI.

    ``install`` says how to get it. Under CI=true a missing tool is a failure:
    `make test` installs every one, so a check never passes unseen there.
    """
    import pytest  # only tests need a tool; benchmarks import this module too

    found = shutil.which(str(name))
    if found is not None:
        return found
    reason = f"{Path(name).name} is not installed ({install})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: make test installs it", pytrace=False)
    pytest.skip(f"{reason}; under CI=true this fails instead")


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
        sent = {**BROWSER_HEADERS, **(headers or {})}
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


@contextmanager
def serving(folder, args=(), **settings):
    """gunicorn with the shipped config on a fresh database in ``folder``.

    ``settings`` add to (or, as None, remove from) the production environment;
    the server's ``database`` is the file it serves.
    """
    database = migrated_database(folder)
    env = production_env(database, **settings)
    with Gunicorn(env, folder, Path(folder) / "gunicorn.log", args=args) as server:
        server.database = database
        yield server


# Request bodies too big to hold, and the memory of the worker they reach ------


def worker_memory_kb(master_pid):
    """The resident memory of gunicorn's one worker: (now, peak) in kB.

    The worker is the master's only child (start gunicorn with --workers 1);
    VmHWM is the highest VmRSS the worker has had, so a body read into memory
    and freed again still shows.
    """
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    [worker] = children.split()
    status = Path(f"/proc/{worker}/status").read_text()
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB$", status, re.MULTILINE))
    return int(fields["VmRSS"]), int(fields["VmHWM"])


def post_huge_body(port, path, size, chunked=False, host="127.0.0.1", https=False):
    """POST a form body of ``size`` bytes, streamed, never held in memory.

    Sends 64 KiB at a time (with Content-Length, or chunked without it) and
    stops as soon as an answer arrives or the server closes the connection,
    as a browser does. Returns (the status code or None when no answer came,
    how many bytes of the body were sent before the server answered).
    """
    import select
    import ssl

    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    if https:
        context = ssl._create_unverified_context()  # our own self-signed cert
        sock = context.wrap_socket(sock, server_hostname="example.com")
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in BROWSER_HEADERS.items())
        + f"Content-Type: application/x-www-form-urlencoded\r\n{length}\r\n\r\n"
    )
    block = b"x" * 65536
    if chunked:
        block = b"%x\r\n" % len(block) + block + b"\r\n"
    answer = b""
    sent = 0
    with sock:
        try:
            sock.sendall(head.encode("latin-1"))
            while sent < size:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(block)
                sent += 65536
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed on us: its answer may be waiting
        try:
            while b"\r\n" not in answer and (chunk := sock.recv(65536)):
                answer += chunk
        except OSError:
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return (int(match.group(1)) if match else None), sent


# The shipped proxies in front of gunicorn -------------------------------------


def _swap(text, old, new, count=1):
    """Replace ``old`` exactly ``count`` times; the shipped file must have them."""
    if text.count(old) != count:
        raise AssertionError(f"expected {count} x {old!r} in the shipped file")
    return text.replace(old, new)


class Proxy:
    """Caddy or nginx from the shipped config, on loopback, before ``app_port``.

    ``port`` takes the site's requests (Caddy: plain HTTP with Host
    example.com:port; nginx: HTTPS with Host example.com, see ``https``).
    ``edits`` are (old, new) pairs swapped in the shipped file, each of which
    must be in it once (a test's shorter timeout, say).
    """

    def __init__(self, kind, folder, app_port, edits=()):
        self.kind = kind
        self.edits = tuple(edits)
        self.folder = Path(folder)
        self.app_port = app_port
        self.port = free_port()
        self.https = kind == "nginx"
        self.host = f"example.com:{self.port}" if kind == "caddy" else "example.com"
        self.log_path = self.folder / f"{kind}.out"
        self.process = None

    def _edited(self, path):
        """The shipped file's text with this test's edits made."""
        text = path.read_text()
        for old, new in self.edits:
            text = _swap(text, old, new)
        return text

    def _caddy_command(self):
        text = self._edited(DEPLOY / "Caddyfile")
        text = _swap(
            text, "\temail owner@example.com\n", "\tadmin off\n\tauto_https off\n"
        )
        text = _swap(
            text,
            "www.example.com {\n",
            f"http://www.example.com:{self.port} {{\n\tbind 127.0.0.1\n",
        )
        text = _swap(
            text,
            "\nexample.com {\n",
            f"\nhttp://example.com:{self.port} {{\n\tbind 127.0.0.1\n",
        )
        text = _swap(text, "root * /srv/webapp/static", f"root * {PROJECT_ROOT}/static")
        text = _swap(
            text,
            "reverse_proxy 127.0.0.1:8000",
            f"reverse_proxy 127.0.0.1:{self.app_port}",
        )
        config = self.folder / "Caddyfile"
        config.write_text(text)
        return [
            "/usr/bin/caddy",
            "run",
            "--adapter",
            "caddyfile",
            "--config",
            str(config),
        ]

    def _nginx_command(self):
        folder = self.folder
        tls = folder / "tls"
        tls.mkdir(exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=example.com", "-keyout", str(tls / "privkey.pem"),
             "-out", str(tls / "fullchain.pem")],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        site = self._edited(DEPLOY / "nginx-webapp.conf")
        site = _swap(site, "    listen 80;\n", f"    listen 127.0.0.1:{free_port()};\n")
        site = _swap(site, "    listen [::]:80;\n", "")
        site = _swap(
            site, "listen 443 ssl http2;", f"listen 127.0.0.1:{self.port} ssl http2;", 2
        )
        site = _swap(site, "    listen [::]:443 ssl http2;\n", "", 2)
        site = _swap(site, "/etc/letsencrypt/live/example.com/", f"{tls}/", 4)
        # Each server block: access and error log.
        site = _swap(site, "/var/log/nginx/", f"{folder}/", 6)
        site = _swap(
            site, "alias /srv/webapp/static/;", f"alias {PROJECT_ROOT}/static/;"
        )
        site = _swap(
            site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{self.app_port};"
        )
        (folder / "site.conf").write_text(site)
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"""
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
        )
        return [
            "/usr/sbin/nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"),
            "-g", "daemon off;",
        ]  # fmt: skip

    def start(self):
        """Start the proxy and wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.kind == "caddy":
            command = self._caddy_command()
            env = {
                "PATH": "/usr/bin:/bin",
                "HOME": str(self.folder),
                "XDG_DATA_HOME": str(self.folder / "caddy-data"),
                "XDG_CONFIG_HOME": str(self.folder / "caddy-config"),
            }
        else:
            command, env = self._nginx_command(), None
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{self.log_path.read_text()}")
            try:
                headers = {"Host": self.host}
                request(self.port, "/healthz", headers=headers, https=self.https)
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer:\n{self.log_path.read_text()}")

    def stop(self):
        """Stop the proxy."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
