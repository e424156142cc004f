"""The SQLite database: one connection per request, PRAGMAs, the migrated check."""

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import click
import sqlite_utils
from flask import current_app, g

from .formatting import counted
from .migrations import migrations

# Long enough to ride out another worker's short write, short enough that a
# stuck database never holds a reader's request for long.
BUSY_TIMEOUT_MS = 3000
# What to run when the database is missing or behind: said in one wording.
MIGRATE_COMMAND = "flask --app webapp migrate"


class DatabaseNotReady(click.ClickException):
    """The database is missing or has pending migrations; says what to run."""


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


def not_ready_message(path, pending=None):
    """The one wording for a database that cannot be used yet, and what to run."""
    if pending is None:
        return f"database {path} does not exist yet: run `{MIGRATE_COMMAND}`"
    return (
        f"database {path} has {counted(len(pending), 'pending migration')} "
        f"({', '.join(pending)}): run `{MIGRATE_COMMAND}`"
    )


def open_migrated(path):
    """A connection to the migrated database at ``path``, or DatabaseNotReady."""
    if not Path(path).exists():
        # Opening it would create an empty file, which helps nobody.
        raise DatabaseNotReady(not_ready_message(path))
    db = connect(path)
    pending = pending_migrations(db)
    if pending:
        db.conn.close()
        raise DatabaseNotReady(not_ready_message(path, pending))
    return db


def get_migrated_db():
    """This request's (or command's) database, or DatabaseNotReady."""
    if "db" not in g:
        g.db = open_migrated(current_app.config["DATABASE"])
    return g.db


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


def read_meta(db, key):
    """The value stored under ``key`` in the ``meta`` table, or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def write_meta(db, key, value):
    """Store ``value`` under ``key`` in the ``meta`` table (insert or replace)."""
    db["meta"].insert({"key": key, "value": value}, replace=True)


@click.command("migrate")
def migrate_command():
    """Create the database or bring its schema up to date.

    Example:

    \b
        flask --app webapp migrate
    """
    db = connect(current_app.config["DATABASE"])
    try:
        before = pending_migrations(db)
        migrate(db)
    finally:
        db.conn.close()
    if before:
        click.echo(f"Applied {counted(len(before), 'migration')}: {', '.join(before)}")
    else:
        click.echo("Database is up to date.")
    click.echo(f"Database: {current_app.config['DATABASE']}")
    for report in current_app.extensions.get(AFTER_MIGRATE, ()):
        for line in report():
            click.echo(f"warning: {line}", err=True)


AFTER_MIGRATE = "webapp.after_migrate"


def register_after_migrate(app, report):
    """Have `migrate` print ``report()``'s lines as warnings once it is done."""
    app.extensions.setdefault(AFTER_MIGRATE, []).append(report)


def init_app(app):
    """Close connections after each request and register the DB commands."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(migrate_command)
