"""The SQLite database: one connection per request, PRAGMAs, migrations."""

import sqlite3
from contextlib import contextmanager

import click
import sqlite_utils
from flask import current_app, g
from sqlite_utils.migrations import Migrations

# Long enough to ride out another worker's short write, short enough that a
# stuck database never holds a reader's request for long.
BUSY_TIMEOUT_MS = 3000

migrations = Migrations("webapp")


def connect(path, busy_timeout_ms=BUSY_TIMEOUT_MS):
    """Open a sqlite_utils Database on ``path`` with the project's PRAGMAs."""
    # isolation_level=None: sqlite-utils and our own BEGIN IMMEDIATE decide
    # where transactions start, not the sqlite3 module.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def get_db():
    """Return this request's database, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(exception=None):
    """Close this request's database connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def migrate(db):
    """Apply every pending migration; safe to run again."""
    migrations.apply(db)


def pending_migrations(db):
    """Names of the migrations not yet applied to ``db``."""
    return [migration.name for migration in migrations.pending(db)]


@contextmanager
def immediate(db):
    """A short write transaction that takes the write lock up front."""
    # BEGIN IMMEDIATE: another worker cannot write between our read and our
    # write, and waiting for the lock happens here (busy_timeout), not at COMMIT.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")


@migrations()
def m001_meta(db):
    """A small key-value table for the app's own settings (hashes, salts)."""
    db["meta"].create({"key": str, "value": str}, pk="key")


@click.command("migrate")
def migrate_command():
    """Create the database or bring its schema up to date.

    Example:

        flask --app webapp migrate
    """
    db = connect(current_app.config["DATABASE"])
    try:
        before = pending_migrations(db)
        migrate(db)
    finally:
        db.conn.close()
    if before:
        click.echo(f"Applied {len(before)} migration(s): {', '.join(before)}")
    else:
        click.echo("Database is up to date.")
    click.echo(f"Database: {current_app.config['DATABASE']}")


def init_app(app):
    """Close connections after each request and register the DB commands."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(migrate_command)


@migrations()
def m201_login_attempts(db):
    """Failed logins per client, keyed by a hash (never the IP address)."""
    db["login_attempts"].create({"client_key": str, "attempted_at": float})
    db["login_attempts"].create_index(["client_key", "attempted_at"])
    db["login_attempts"].create_index(["attempted_at"])


@migrations()
def m202_owner_sessions(db):
    """The owner's open sessions, so that logging out really ends one."""
    # Only a hash of each session id: a copy of the database opens no session.
    db["owner_sessions"].create(
        {"id_hash": str, "created_at": float, "expires_at": float}, pk="id_hash"
    )


# --- Tracking: events, filtered tallies, daily rollups (see webapp/tracking.py) ---

EVENT_TEXT_COLUMNS = (
    "page",
    "placement",
    "widget",
    "detail",
    "referrer_host",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "device",
    "browser",
    "visitor",
)


@migrations()
def m101_events(db):
    """Raw events: page views, booking clicks, widget events (no IP, no UA)."""
    columns = {"id": int, "ts": str, "day": str, "hour": int, "kind": str}
    columns.update(dict.fromkeys(EVENT_TEXT_COLUMNS, str))
    columns["repeat"] = int
    defaults = dict.fromkeys(EVENT_TEXT_COLUMNS, "")
    defaults["repeat"] = 0
    db["events"].create(
        columns, pk="id", not_null=set(columns) - {"id"}, defaults=defaults
    )
    # Per-day reads (live totals for today, rollups, exports, prune).
    db["events"].create_index(["day", "kind"])
    # Repeat-click check and landing-referrer lookup for one visitor.
    db["events"].create_index(["visitor", "kind", "ts"])


@migrations()
def m102_filtered_daily(db):
    """What was not counted, per day, reason (bot, prefetch, ...) and kind."""
    db["filtered_daily"].create(
        {"day": str, "reason": str, "kind": str, "events": int},
        pk=("day", "reason", "kind"),
        not_null={"day", "reason", "kind", "events"},
    )


@migrations()
def m103_daily_counts(db):
    """Daily rollups of events by dimension, and which days are rolled up."""
    db["daily_counts"].create(
        {
            "day": str,
            "kind": str,
            "dimension": str,
            "value": str,
            "events": int,
            "uniques": int,
        },
        pk=("day", "kind", "dimension", "value"),
        not_null={"day", "kind", "dimension", "value", "events", "uniques"},
    )
    db["rolled_days"].create({"day": str, "rolled_at": str}, pk="day")


@migrations()
def m104_daily_counts_covering(db):
    """Let period reports read rollups from the index alone (no table lookups)."""
    db["daily_counts"].create_index(
        ["day", "kind", "dimension", "value", "events", "uniques"],
        index_name="daily_counts_covering",
    )
