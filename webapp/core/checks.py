"""Start-up checks: the one place that decides whether a configuration can serve.

In production (neither debug nor testing) ``create_app`` refuses to start on
the first problem found, with one line that says what is wrong and how to fix
it. ``flask --app webapp check`` runs the same checks on demand.
"""

import datetime
import os
import sqlite3
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import sqlite_utils
from flask import current_app

from .address_checks import check_booking_url, check_site_url
from .check_result import Result, warn
from .check_result import fail as _fail
from .db import not_ready_message, pending_migrations
from .formatting import DEFAULT_LOCALE, long_date, parse_locale
from .replication import RUNNING, SERVICE, replication_status, service_state
from .settings import KNOWN_BAD_SECRET_KEYS, SERVER_SETTINGS

# 32 characters is 128 bits of hex: `secrets.token_hex(32)` gives 64.
MIN_SECRET_KEY_LENGTH = 32
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
# The date the locale check spells out, so the owner sees what readers will.
SAMPLE_DATE = datetime.date(2025, 3, 18)


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says why."""


class CommandConfigError(ConfigError, click.ClickException):
    """A ConfigError met while a `flask` command loads the app: one line, exit 1."""

    exit_code = 1

    def __init__(self, message):
        """Carry ``message`` for both Python and click."""
        ConfigError.__init__(self, message)
        self.message = message

    def show(self, file=None):
        """Print the one ``error:`` line (no usage text, no traceback)."""
        click.echo(f"error: {self.message}", err=True)


def check_secret_key(config):
    """The session-signing key is set, long, and not an example value."""
    key = config.get("SECRET_KEY")
    if not key:
        return _fail(
            "secret key",
            f"FLASK_SECRET_KEY is not set: generate one with `{GENERATE_KEY}`",
        )
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in KNOWN_BAD_SECRET_KEYS:
        return _fail(
            "secret key",
            "FLASK_SECRET_KEY is an example value, not a secret: "
            f"generate one with `{GENERATE_KEY}`",
        )
    if len(text) < MIN_SECRET_KEY_LENGTH:
        return _fail(
            "secret key",
            f"FLASK_SECRET_KEY is too short ({len(text)} characters, need at least "
            f"{MIN_SECRET_KEY_LENGTH}): generate one with `{GENERATE_KEY}`",
        )
    return Result("secret key", f"set ({len(text)} characters)")


def check_proxy_count(config):
    """PROXY_COUNT is a whole number of trusted reverse proxies (0 = none)."""
    value = config.get("PROXY_COUNT", 0)
    # bool is an int in Python, but "true" proxies is not a count.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return _fail(
            "proxy count",
            f"FLASK_PROXY_COUNT must be a whole number (0 without a reverse proxy, "
            f"1 behind Caddy or nginx), not {value!r}",
        )
    if value == 0:
        return Result("proxy count", "0 (no proxy: X-Forwarded-* headers ignored)")
    return Result("proxy count", f"{value} (X-Forwarded-For/-Proto/-Host trusted)")


def check_retention_days(config):
    """RETENTION_DAYS is a whole number of days, at least 1."""
    value = config.get("RETENTION_DAYS")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return _fail(
            "retention",
            "FLASK_RETENTION_DAYS must be a whole number of days, at least 1 "
            f"(760 is about 25 months), not {value!r}",
        )
    return Result(
        "retention",
        f"raw events kept {value} days (about {round(value / 30.4)} months), "
        "then folded into daily totals by the nightly prune",
    )


def check_locale(config):
    """LOCALE names a locale Babel knows, so dates can be spelt out."""
    value = config.get("LOCALE", DEFAULT_LOCALE)
    locale = parse_locale(value)
    if locale is None:
        return _fail(
            "locale",
            "FLASK_LOCALE must be a locale name such as en_US (dates like "
            f"March 18, 2025) or en_GB (18 March 2025), not {value!r}",
        )
    sample = long_date(SAMPLE_DATE, locale=locale)
    return Result("locale", f"{locale} (dates read like {sample})")


def check_time_zone(config):
    """TIME_ZONE names a zone of the tz database."""
    value = config.get("TIME_ZONE")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return _fail(
            "time zone",
            f"FLASK_TIME_ZONE {value!r} is not a known time zone (use a name from "
            "the tz database such as America/New_York or Europe/London)",
        )
    return Result("time zone", str(value))


def check_numbers(config):
    """MAX_CONTENT_LENGTH and ARTICLE_CACHE_SIZE are whole numbers."""
    for name, least in (("MAX_CONTENT_LENGTH", 1), ("ARTICLE_CACHE_SIZE", 0)):
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            return _fail(
                "limits",
                f"FLASK_{name} must be a whole number of at least {least}, "
                f"not {value!r}",
            )
    return Result("limits", f"request bodies up to {config['MAX_CONTENT_LENGTH']} B")


def check_cookies(config):
    """The session cookie's settings are ones browsers and Werkzeug accept."""
    secure = config.get("SESSION_COOKIE_SECURE")
    if secure is not None and not isinstance(secure, bool):
        return _fail(
            "cookies",
            f"FLASK_SESSION_COOKIE_SECURE must be true or false, not {secure!r}",
        )
    samesite = config.get("SESSION_COOKIE_SAMESITE")
    if samesite not in (None, "Lax", "Strict"):
        return _fail(
            "cookies",
            f"FLASK_SESSION_COOKIE_SAMESITE must be Lax or Strict, not {samesite!r}",
        )
    return Result("cookies", f"SameSite={samesite}")


def check_server_settings(environ=None):
    """The WEBAPP_* settings that gunicorn and the backup unit read are usable."""
    environ = os.environ if environ is None else environ
    for name, (kind, default) in SERVER_SETTINGS.items():
        value = (environ.get(name) or "").strip() or default
        if isinstance(kind, tuple):
            bad = value.lower() not in kind
            need = "one of " + ", ".join(kind)
        else:
            bad = not value.isdigit() or int(value) < kind
            need = f"a whole number of at least {kind}"
        if bad:
            return _fail("server", f"{name} must be {need}, not {value!r}")
    return Result("server", "gunicorn and backup settings are usable")


def check_database_writable(config):
    """The database's folder exists and the app can create files in it."""
    path = Path(config["DATABASE"])
    folder = path.parent
    if not folder.is_dir():
        return _fail(
            "database folder",
            f"database folder {folder} does not exist (FLASK_DATABASE)",
        )
    # A real write is the only honest test: os.access ignores read-only mounts
    # (systemd's ProtectSystem=strict) and SQLite needs the folder for its
    # -wal and -shm files, not only the file itself.
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as error:
        return _fail(
            "database folder",
            f"database folder {folder} is not writable by this user "
            f"({error.strerror}): fix its owner or FLASK_DATABASE",
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return _fail(
            "database folder",
            f"database file {path} is not writable by this user: fix its owner",
        )
    return Result("database folder", f"{folder} is writable")


def check_migrations(config):
    """The database exists and every migration has been applied."""
    path = Path(config["DATABASE"])
    if not path.exists():
        return _fail("migrations", not_ready_message(path))
    try:
        # Read-only: a check must never create or change the database.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            pending = pending_migrations(sqlite_utils.Database(conn))
        finally:
            conn.close()
    except sqlite3.Error as error:
        return _fail("migrations", f"database {path} cannot be read ({error})")
    if pending:
        return _fail("migrations", not_ready_message(path, pending))
    return Result("migrations", f"{path} is up to date")


ALL_CHECKS = (
    check_secret_key,
    check_proxy_count,
    check_retention_days,
    check_locale,
    check_time_zone,
    check_site_url,
    check_booking_url,
    check_numbers,
    check_cookies,
    check_database_writable,
    check_migrations,
)

# Settings so wrong that no command could work: refused even when an owner
# command (`migrate`, `backup`, ...) loads the app.
LOADING_CHECKS = (check_proxy_count, check_locale, check_time_zone, check_numbers)


def run_checks(config, *, migrations=True):
    """Run the checks on ``config`` and return their results, in order."""
    results = []
    for check in ALL_CHECKS:
        if check is check_migrations and not migrations:
            continue
        results.append(check(config))
        if check is check_cookies:
            results.append(check_server_settings())
        if check is check_database_writable and not results[-1].ok:
            break  # a database we cannot write tells us nothing more
    return results


def enforce_at_startup(app):
    """Refuse to build an app that cannot serve safely; raise ConfigError."""
    if (app.debug or app.testing) and not app.config.get("SECRET_KEY"):
        # A throwaway key: sessions die with the process, which suits a laptop.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
    if click.get_current_context(silent=True) is not None:
        # Owner commands (`migrate`, `backup`, `set-password`...) load the app
        # too; they must work without a key, on a fresh or outdated database,
        # and `check` reports the rest itself. A setting that would break
        # every command stops here, with one line instead of a traceback.
        results = [check(app.config) for check in LOADING_CHECKS]
        folder = Path(app.config["DATABASE"]).parent
        if not folder.is_dir():
            results.append(check_database_writable(app.config))
        error = CommandConfigError
    elif app.debug or app.testing:
        # A bad proxy count, locale or time zone would break requests in any mode.
        results = [check(app.config) for check in LOADING_CHECKS]
        error = ConfigError
    else:
        results = run_checks(app.config)
        error = ConfigError
    for result in results:
        if not result.ok:
            raise error(result.problem)


@click.command("check")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only.")
def check_command(quiet):
    """Check that the site can start in production; exit 1 if not.

    Runs the same checks as start-up: the secret key is set, long and not an
    example; the proxy count is a whole number; the retention is a number of
    days; the locale is one Babel knows; the time zone is in the tz database;
    the site's address is its own https:// one; the booking address is a web
    address; the body limit and cache size are numbers; the cookie settings are
    valid; the WEBAPP_* server settings are usable; the database folder is
    writable; the database exists and has no pending migrations. It also says
    whether Litestream copies the database offsite and, if so, whether its
    service runs (an invalid configuration or a stopped service is a
    warning, never an error: the offsite copy is optional), which folder the
    content files are read from, and
    runs the checks other packages registered (bookings, the letter's mail).

    Example:

    \b
        flask --app webapp check
    """
    results = [*run_checks(current_app.config), check_replication(current_app.config)]
    results += [c(current_app.config) for c in current_app.extensions.get(EXTRA, ())]
    for result in results:
        if not result.ok:
            click.echo(f"error: {result.problem}", err=True)
        elif result.warning:
            # Not a problem that stops the site: said even with --quiet.
            click.echo(f"warning: {result.name}: {result.detail}", err=True)
        elif not quiet:
            click.echo(f"ok    {result.name}: {result.detail}")
    if not all(result.ok for result in results):
        raise SystemExit(1)
    if not quiet:
        click.echo("All checks passed: the site can start.")


def check_replication(config):
    """Litestream's offsite copy: configured, not configured, or a broken config.

    The copy is optional: a broken configuration is a warning, and the site
    starts and serves without it. Configured, it says whether the service
    runs (a warning when it does not, "cannot tell" without systemd).
    """
    path = config["LITESTREAM_CONFIG"]
    status = replication_status(path, config["DATABASE"])
    if not status.ok:
        where = "" if str(path) in status.message else f"{path}: "
        return warn(
            "replication",
            f"not configured: {where}{status.message} (the site runs without its "
            "offsite copy until this is fixed)",
        )
    if status.state != "on":
        return Result("replication", status.message)
    state = service_state()
    if state is None:
        return Result(
            "replication",
            f"{status.message}; whether its service runs: cannot tell "
            "(no systemd here)",
        )
    if state not in RUNNING:
        return warn(
            "replication",
            f"{status.message}, but its service is {state}, so nothing is copied "
            f"offsite: start it with `sudo systemctl enable --now {SERVICE}` "
            "(docs/replication.md)",
        )
    return Result("replication", f"{status.message}; its service runs")


EXTRA = "webapp.checks"


def register_check(app, check):
    """Have `flask check` also run ``check(config) -> Result`` (for other packages)."""
    app.extensions.setdefault(EXTRA, []).append(check)


def init_app(app):
    """Register the ``check`` command."""
    app.cli.add_command(check_command)
