"""The SQLite database: one connection per request, PRAGMAs, migrations."""

import sqlite3

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
