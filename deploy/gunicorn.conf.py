"""Gunicorn settings for the site on one small VPS (1 vCPU, 1 GB RAM).

Used by deploy/webapp.service as `gunicorn --config deploy/gunicorn.conf.py`.
Options given on the command line (or in GUNICORN_CMD_ARGS) win over this
file, e.g. `gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:9000`.

Edit nothing here on the server: upgrades replace this file. The values an
owner may change come from /etc/webapp/env (deploy/env.example lists them):
WEBAPP_BIND, WEBAPP_WORKERS, WEBAPP_THREADS, WEBAPP_LOG_LEVEL and
WEBAPP_ACCESS_LOG; `sudo /srv/webapp/deploy/webapp install` applies a change.
"""

import ipaddress
import logging
import os
import re
import subprocess
import sys

from gunicorn.glogging import Logger

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
# WEBAPP_ACCESS_LOG: "on" logs each request to the journal, "off" keeps none.
ACCESS_LOGS = {"on": "-", "off": None}


def owner_setting(name, default, allowed=None):
    """An owner's setting from the environment, or one clear line and exit 1."""
    value = os.environ.get(name, "").strip() or default
    if allowed is None:
        if value.isdigit() and int(value) >= 1:
            return int(value)
        sys.exit(f"error: {name} must be a whole number of at least 1, not {value!r}")
    if value.lower() not in allowed:
        sys.exit(f"error: {name} must be one of {', '.join(allowed)}, not {value!r}")
    return value.lower()


# The app factory: gunicorn calls it once in each worker.
wsgi_app = "webapp:create_app()"

# Where gunicorn listens (WEBAPP_BIND). Only the proxy on this machine (Caddy
# or nginx) talks to it, so it listens on loopback, never publicly.
bind = [os.environ.get("WEBAPP_BIND", "").strip() or "127.0.0.1:8000"]

# Worker processes (WEBAPP_WORKERS). 3 = gunicorn's rule of thumb
# (2 x CPUs + 1) for 1 vCPU; each takes roughly 50-70 MB of RAM, and during a
# graceful reload old and new workers overlap for a moment, so keep
# workers x 2 x 70 MB well under the machine's memory.
workers = owner_setting("WEBAPP_WORKERS", "3")

# Threads per worker: a request that waits (on SQLite's busy timeout, on a
# slow client) does not hold up the others. gthread keeps idle keep-alive
# connections off the threads, but a thread reading a request's body blocks
# until its last byte: the proxy (deploy/Caddyfile, deploy/nginx-webapp.conf)
# reads every body whole before passing it on, so a client that sends its
# form a byte at a time never holds one (issue 24).
worker_class = "gthread"
# Threads per worker (WEBAPP_THREADS): 2 threads x 3 workers = 6 requests in
# progress at once, plenty for an article site; 4 if the stats feel slow.
threads = owner_setting("WEBAPP_THREADS", "2")

# A request running longer than this (seconds) is killed and its worker
# replaced. Every page here answers in milliseconds.
timeout = 30
# Seconds a worker gets to finish its requests on reload or stop. The systemd
# unit's TimeoutStopSec is a little longer than this.
graceful_timeout = 20
# Seconds an idle connection from the proxy stays open. The proxy's own idle
# timeout (4 s in the shipped Caddyfile and nginx site) is shorter, so the
# proxy never sends a request on a connection gunicorn is closing.
keepalive = 5

# Replace each worker after about this many requests: a slow memory leak in
# any library can never fill the machine. High enough that a burst of
# traffic does not spend its time restarting workers (each restart reloads
# the app); the app's own caches are bounded.
max_requests = 20000
max_requests_jitter = 2000

# Load the app in each worker, not in the master: a graceful reload (SIGHUP,
# `systemctl reload webapp`) then starts workers with the new code, and no
# database connection is ever opened before gunicorn forks.
preload_app = False

# Logs go to stdout/stderr, which systemd sends to the journal
# (`journalctl -u webapp`).
# WEBAPP_ACCESS_LOG=off keeps no access log at all.
accesslog = ACCESS_LOGS[owner_setting("WEBAPP_ACCESS_LOG", "on", tuple(ACCESS_LOGS))]
errorlog = "-"
# WEBAPP_LOG_LEVEL: "warning" logs less, "debug" much more.
loglevel = owner_setting("WEBAPP_LOG_LEVEL", "info", LOG_LEVELS)
# Time, method, path, protocol, status, size, duration. Deliberately no query
# string (%(r)s and %(q)s would carry campaign names, and old links the
# chooser's answers, "recent=surgery"), no client address (%(h)s), no user
# agent (%(a)s) and no referrer (%(f)s): the site promises not to keep
# personal data, and logs are data.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


# gunicorn's own warnings name the client ("Invalid request from ip=...", for
# a request line too long or a garbled header): behind the proxy that is the
# proxy, without one it is the visitor. Every address in the error log is
# replaced by "-", except in the line that says where gunicorn listens.
class AddressFreeLogger(Logger):
    """gunicorn's logger, with IP addresses scrubbed from the error log."""

    def setup(self, cfg):
        """Set up as usual, then scrub every record of the error log."""
        super().setup(cfg)
        if not any(isinstance(f, ScrubAddresses) for f in self.error_log.filters):
            self.error_log.addFilter(ScrubAddresses())


class ScrubAddresses(logging.Filter):
    """Replace IPv4 and IPv6 addresses in a record, its traceback included."""

    # Candidates only (runs of hex digits, dots and colons, an IPv6 zone);
    # ipaddress decides what is an address ("12:00:00" or "1.2.3" are not).
    CANDIDATE = re.compile(r"(?<!\w)[0-9A-Fa-f.:]*[.:][0-9A-Fa-f.:]*(?:%[\w.-]+)?")

    # gunicorn's own listening sockets are not anyone's address.
    OWN_SOCKETS = ("Listening at:", "Control socket listening at")

    def filter(self, record):
        """Rewrite the record's message without addresses; never drop it."""
        if isinstance(record.msg, str) and record.msg.startswith(self.OWN_SOCKETS):
            return True
        record.msg = self.scrub(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.scrub(formatted)
        return True

    @classmethod
    def scrub(cls, text):
        """``text`` with every IP address in it replaced by "-"."""
        return cls.CANDIDATE.sub(cls._replace, text)

    @staticmethod
    def _replace(match):
        """ "-" for an address (with a port or a trailing colon); else as is."""
        text = match.group(0)
        bare = text.rstrip(".:")
        for candidate in (bare, bare.rsplit(":", 1)[0]):
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                continue
            return "-" + text[len(candidate) :]
        return text


logger_class = AddressFreeLogger

# Gunicorn itself must not believe X-Forwarded-* headers: the app decides,
# in one place, how many proxies to trust (FLASK_PROXY_COUNT, via Werkzeug's
# ProxyFix). Otherwise gunicorn would take X-Forwarded-Proto from anything
# on loopback as the truth.
forwarded_allow_ips = ""
secure_scheme_headers = {}

# Reload and stop are driven by signals from systemd, not by gunicorn's own
# control socket (which would need a writable home folder).
control_socket_disable = True

proc_name = "webapp"


def on_starting(server):
    """Refuse to start, with one clear line, if the start-up checks fail."""
    # The checks run in a separate process so that the master never imports
    # the app: if it did, workers forked after a reload would keep the old code.
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webapp", "check", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = (result.stderr + result.stdout).strip().splitlines()
        problems = [line for line in lines if line.startswith("error: ")]
        # The first problem found; failing that, the last line (a traceback's).
        problem = problems[0] if problems else (lines or ["no output"])[-1]
        # gunicorn prints a RuntimeError raised here as "Error: ..." and exits 1.
        raise RuntimeError(f"webapp cannot start: {problem.removeprefix('error: ')}")
