"""The owner's login: password hash, server-side sessions, throttling, redirects.

There is one user, the practice owner. The password is kept only as a
Werkzeug scrypt hash in the ``meta`` table. A login starts a server-side
session record, so logging out (or changing the password) really ends it:
an old cookie replayed later no longer grants access. Failed logins are
counted in SQLite per client, so every gunicorn worker sees the same count.
"""

import hashlib
import hmac
import ipaddress
import math
import secrets
import sqlite3
import sys
import time
from dataclasses import dataclass
from functools import wraps
from urllib.parse import unquote, urlsplit

import click
from flask import (
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import with_appcontext
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import check_password_hash, generate_password_hash

from .db import connect, get_db, immediate, pending_migrations
from .http import HX_CURRENT_URL, HX_REQUEST

HASH_META_KEY = "owner_password_hash"
# NIST SP 800-63B asks for at least 15 characters when a password is the
# only factor; a few unrelated words get there and are easy to remember.
MIN_PASSWORD_LENGTH = 15
MAX_PASSWORD_LENGTH = 256
# Generated passwords: no look-alike characters, grouped for typing on a phone.
GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GENERATED_GROUPS = 5
GENERATED_GROUP_LENGTH = 4

DEFAULT_NEXT = "/stats"
# Paths that must never be a post-login destination (they would loop).
NOT_A_DESTINATION = ("/login", "/logout")

CONFIG_DEFAULTS = {
    # Failed logins allowed per client within the window before a 429.
    "LOGIN_MAX_FAILURES": 5,
    # Seconds a failed login counts against the client.
    "LOGIN_FAILURE_WINDOW": 600,
}


class PasswordError(ValueError):
    """The proposed password breaks a rule; the message says which."""


# --- The password ------------------------------------------------------------


def check_new_password(password):
    """Raise PasswordError unless ``password`` is acceptable as the owner's."""
    if not password or not password.strip():
        raise PasswordError("The password is empty.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} "
            "characters (four unrelated words make a good one)."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(
            f"The password is too long: use at most {MAX_PASSWORD_LENGTH} characters."
        )


def password_is_set(db):
    """True when the owner has a password."""
    return _password_hash(db) is not None


def set_password(db, password):
    """Store the hash of a new owner password and end every open session."""
    check_new_password(password)
    hashed = generate_password_hash(password)
    with immediate(db):
        db["meta"].upsert({"key": HASH_META_KEY, "value": hashed}, pk="key")
        # A new password signs the owner out everywhere.
        db.execute("DELETE FROM owner_sessions")


def set_password_if_missing(db):
    """Generate, store and return a password if none is set; else return None."""
    password = generate_password()
    hashed = generate_password_hash(password)
    with immediate(db):
        if _password_hash(db) is not None:
            return None
        db["meta"].insert({"key": HASH_META_KEY, "value": hashed})
    return password


def generate_password():
    """A random password of about 99 bits, easy to type: ``abcd-efgh-...``."""
    groups = [
        "".join(
            secrets.choice(GENERATED_ALPHABET) for _ in range(GENERATED_GROUP_LENGTH)
        )
        for _ in range(GENERATED_GROUPS)
    ]
    return "-".join(groups)


def verify_password(db, password):
    """True when ``password`` is the owner's password."""
    hashed = _password_hash(db)
    if hashed is None or not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    return check_password_hash(hashed, password)


def _password_hash(db):
    """The stored hash, or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [HASH_META_KEY]).fetchone()
    return row[0] if row else None


# --- Failed-login throttling ---------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """The outcome of asking to check a password: allowed, or wait."""

    allowed: bool
    remaining: int = 0
    retry_after: int = 0


def client_key():
    """A keyed hash that identifies the client without storing its address."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        network = address
    else:
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        # One IPv6 client usually owns a whole /64; key on it so hopping
        # addresses inside it does not reset the count.
        prefix = 64 if ip.version == 6 else 32
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"login:{network}".encode(), hashlib.sha256).hexdigest()


def reserve_attempt(db, key, now=None):
    """Count one login attempt for ``key``, unless it has used up its allowance."""
    now = time.time() if now is None else now
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    with immediate(db):
        db.execute("DELETE FROM login_attempts WHERE attempted_at <= ?", [now - window])
        count, oldest = db.execute(
            "SELECT count(*), min(attempted_at) FROM login_attempts"
            " WHERE client_key = ?",
            [key],
        ).fetchone()
        if count >= limit:
            retry_after = max(1, math.ceil(oldest + window - now))
            return Attempt(allowed=False, retry_after=retry_after)
        # Counted before the password is checked, so parallel guesses in
        # several workers cannot slip past the limit.
        db["login_attempts"].insert({"client_key": key, "attempted_at": now})
    return Attempt(allowed=True, remaining=limit - count - 1)


def forget_attempts(db, key):
    """Clear a client's failed attempts after it logs in."""
    db.execute("DELETE FROM login_attempts WHERE client_key = ?", [key])


# --- Owner sessions ------------------------------------------------------------


def _session_digest(session_id):
    """What the database keeps of a session id (never the id itself)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_owner_session(db):
    """Log the owner in: a fresh session, recorded server-side."""
    now = time.time()
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    session_id = secrets.token_urlsafe(32)
    with immediate(db):
        db.execute("DELETE FROM owner_sessions WHERE expires_at <= ?", [now])
        db["owner_sessions"].insert(
            {
                "id_hash": _session_digest(session_id),
                "created_at": now,
                "expires_at": now + lifetime,
            }
        )
    # Nothing from before the login survives into the owner's session.
    session.clear()
    session.permanent = True
    session["owner"] = True
    session["owner_sid"] = session_id
    g.owner_verified = True


def end_owner_session(db):
    """Log the owner out here and forget the server-side record."""
    session_id = session.get("owner_sid")
    if isinstance(session_id, str):
        db.execute(
            "DELETE FROM owner_sessions WHERE id_hash = ?",
            [_session_digest(session_id)],
        )
    session.clear()
    g.owner_verified = False


def _owner_session_is_live(db, session_id):
    """True when ``session_id`` belongs to a session that has not ended."""
    if not isinstance(session_id, str):
        return False
    row = db.execute(
        "SELECT 1 FROM owner_sessions WHERE id_hash = ? AND expires_at > ?",
        [_session_digest(session_id), time.time()],
    ).fetchone()
    return row is not None


def check_owner_session():
    """Before each request: drop ``session["owner"]`` if its session has ended."""
    g.owner_verified = False
    # Readers carry no session cookie; leave their session untouched so
    # their pages do not vary on a cookie they never had.
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    if not session.get("owner"):
        return
    try:
        live = _owner_session_is_live(get_db(), session.get("owner_sid"))
    except sqlite3.Error:
        # Fail closed for owner pages, but never break a reader's request.
        current_app.logger.exception("Could not check the owner's session")
        return
    if live:
        g.owner_verified = True
    else:
        session.clear()


def is_owner():
    """True when this request comes from the logged-in owner."""
    if "owner_verified" not in g:
        # Reached before our before_request ran (a CSRF error, for one).
        check_owner_session()
    return g.owner_verified is True


# --- Redirects and the login_required decorator -------------------------------


def safe_next(target):
    """``target`` if it is a path on this site, else the stats page."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return DEFAULT_NEXT
    candidate = target
    # Check the raw value and every level of percent-decoding: a browser or
    # proxy may decode once more than we expect.
    for _ in range(4):
        if not _is_local_path(candidate):
            return DEFAULT_NEXT
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        return DEFAULT_NEXT
    if urlsplit(target).path in NOT_A_DESTINATION:
        return DEFAULT_NEXT
    return target


def _is_local_path(value):
    """A path starting with one slash, no scheme, host, backslash or controls."""
    if not value.startswith("/") or value.startswith("//"):
        return False
    # Browsers treat "\" as "/" and silently drop tabs and newlines, so
    # "/\evil.example" and "/\t/evil.example" both mean another host.
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _requested_path():
    """This request's path and query, as a ``next`` value."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def machine_format():
    """The kind of a request that cannot follow a redirect, or None for a page."""
    if request.headers.get(HX_REQUEST) == "true":
        return "htmx"
    if request.path.endswith(".json") or request.args.get("format") == "json":
        return "json"
    if request.path.endswith(".csv") or request.args.get("format") == "csv":
        return "csv"
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "text/csv"]
    )
    return {"application/json": "json", "text/csv": "csv"}.get(best)


def login_required(view):
    """Let only the logged-in owner through; others are sent to the login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if is_owner():
            response = make_response(view(*args, **kwargs))
        elif machine_format():
            response = _unauthorized(machine_format())
        else:
            response = redirect(url_for("auth.login", next=_requested_path()))
        # Owner pages hold private numbers: no cache may keep them.
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped


def _unauthorized(kind):
    """401 for a request that cannot follow a redirect to the login form."""
    if kind == "json":
        return make_response(
            jsonify(error="login required", login_url=url_for("auth.login")), 401
        )
    if kind == "csv":
        return Response(
            "Login required: sign in at /login first.\n", 401, mimetype="text/plain"
        )
    body = render_template(
        "partials/_error.html",
        title="Please sign in again",
        detail="Your owner session has ended.",
    )
    response = make_response(body, 401)
    # htmx follows HX-Redirect even on an error status: the whole page goes
    # to the login form, which brings the owner back here afterwards.
    try:
        current = urlsplit(request.headers.get(HX_CURRENT_URL, ""))
    except ValueError:  # a malformed URL (bad IPv6 brackets): no page to go back to
        back = ""
    else:
        back = current.path + (f"?{current.query}" if current.query else "")
    response.headers["HX-Redirect"] = url_for("auth.login", next=safe_next(back))
    response.vary.add(HX_REQUEST)
    return response


# --- Commands -------------------------------------------------------------------


def _open_migrated_db():
    """The configured database, or a clear error if it needs migrating first."""
    db = connect(current_app.config["DATABASE"])
    if pending_migrations(db):
        db.conn.close()
        raise click.ClickException(
            "The database needs migrating first: flask --app webapp migrate"
        )
    return db


@click.command("set-password")
@click.option(
    "--stdin/--prompt",
    "from_stdin",
    default=None,
    help="Read the password from standard input (the default when piped), "
    "or ask for it twice (the default on a terminal).",
)
@with_appcontext
def set_password_command(from_stdin):
    """Set the owner's password for the stats pages (stored only as a hash).

    Changing the password signs the owner out everywhere.

    Example:

        flask --app webapp set-password

        printf '%s\\n' 'four unrelated words here' | flask --app webapp set-password
    """
    if from_stdin is None:
        from_stdin = not sys.stdin.isatty()
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "New owner password",
            hide_input=True,
            confirmation_prompt="Repeat it",
            default="",
            show_default=False,
        )
    try:
        check_new_password(password)
    except PasswordError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    db = _open_migrated_db()
    try:
        set_password(db, password)
    finally:
        db.conn.close()
    click.echo("Owner password set. Any open owner sessions were signed out.")


@click.command("init-password")
@click.option(
    "--url",
    default="http://127.0.0.1:5000" + DEFAULT_NEXT,
    show_default=True,
    help="The stats address to print with the new password.",
)
@with_appcontext
def init_password_command(url):
    """Create the owner password on first run, printing it once; else say nothing.

    `make run` calls this after migrating. Keep the printed password: it is
    stored only as a hash and is never shown again (change it with
    set-password).

    Example:

        flask --app webapp init-password --url http://127.0.0.1:5000/stats
    """
    db = _open_migrated_db()
    try:
        password = set_password_if_missing(db)
    finally:
        db.conn.close()
    if password is None:
        return
    click.echo(
        "\n"
        "  Owner stats:    " + url + "\n"
        "  Owner password: " + password + "\n"
        "  (shown only this once: write it down; change it with\n"
        "   .venv/bin/flask --app webapp set-password)\n"
    )


class SessionOnlyWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, skipping the signing work for readers.

    Readers never get a cookie, so on almost every request there is nothing
    to verify: hand out an empty session without building a serializer.
    """

    def open_session(self, app, request):
        """An empty session when no session cookie was sent, else Flask's."""
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app):
    """Check the owner's session on each request and add the password commands."""
    for name, value in CONFIG_DEFAULTS.items():
        app.config.setdefault(name, value)
    app.session_interface = SessionOnlyWhenSent()
    app.before_request(check_owner_session)
    app.cli.add_command(set_password_command)
    app.cli.add_command(init_password_command)
