"""Consistent, private copies of the live database: ``flask --app webapp backup``."""

import contextlib
import os
import sqlite3
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlite_utils import Database

from .db import connect, migrate, pending_migrations
from .migrations import migrations

# app.extensions key: the ``meta`` keys that never leave the server.
PRIVATE_META_KEYS = "webapp.private_meta_keys"
# app.extensions key: checks a restore runs on the copy, beside the schema's.
RESTORE_CHECKS = "webapp.restore_checks"


def keep_out_of_backups(app, meta_key):
    """Declare a ``meta`` key (a salt, say) that no backup may carry."""
    app.extensions.setdefault(PRIVATE_META_KEYS, set()).add(meta_key)


def check_on_restore(app, check):
    """Register ``check(copy_db, current_db)``, which lists warnings about a copy."""
    app.extensions.setdefault(RESTORE_CHECKS, []).append(check)


def _schema(db):
    """The objects of ``db``'s schema as ``{(type, name, sql)}``, but SQLite's own."""
    return {
        tuple(row)
        for row in db.execute(
            "select type, name, sql from sqlite_master"
            " where name not like 'sqlite\\_%' escape '\\'"
        )
    }


def foreign_schema(copy):
    """Warnings for what the copy (a Database) holds that our migrations never make.

    The copy is first brought up to date in memory, as the site will do when
    it starts, so an older backup differs only where someone changed it.
    """
    known = set(pending_migrations(Database(memory=True)))
    newer = [m.name for m in migrations.applied(copy) if m.name not in known]
    if newer:
        return [
            "the copy was made by a newer version of the site"
            f" (it has {', '.join(newer)}): upgrade before restoring it"
        ]
    scratch = Database(sqlite3.connect(":memory:"))
    copy.conn.backup(scratch.conn)
    made = Database(sqlite3.connect(":memory:"))
    try:
        migrate(scratch)
        migrate(made)
        extra = sorted(_schema(scratch) - _schema(made))
    except sqlite3.Error as error:
        return [f"this version cannot bring the copy's tables up to date ({error})"]
    finally:
        scratch.conn.close()
        made.conn.close()
    return [
        f"the copy holds a {kind} “{name}” that the site does not make"
        " (someone changed that database by hand)"
        for kind, name, _sql in extra
    ]


def _untouched(path):
    """A read-only Database on ``path`` that leaves no -wal or -shm file beside it."""
    # immutable: the site is stopped during a restore, and a read-only open of
    # a WAL database would otherwise leave files that the restore then moves.
    return Database(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True))


def restore_warnings(app, copy_path, current_path):
    """What differs between a backup and what this site makes, as sentences."""
    copy = _untouched(copy_path)
    current = _untouched(current_path) if Path(current_path).exists() else None
    try:
        warnings = foreign_schema(copy)
        for check in app.extensions.get(RESTORE_CHECKS, ()):
            warnings += check(copy, current)
    finally:
        copy.conn.close()
        if current is not None:
            current.conn.close()
    return warnings


def backup(source, target, leave_out=()):
    """Copy database ``source`` to ``target`` (a Path) consistently and atomically.

    The ``meta`` rows named in ``leave_out`` are deleted from the copy (with
    ``secure_delete``, so their bytes are gone too) before it is moved into
    place.
    """
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    db = connect(source)
    try:
        db.execute("VACUUM INTO ?", [str(partial)])
    finally:
        db.conn.close()
    try:
        os.chmod(partial, 0o600)
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            copy.execute("PRAGMA secure_delete = ON")
            # (A database without the meta table has nothing to leave out.)
            with contextlib.suppress(sqlite3.OperationalError):
                for key in sorted(leave_out):
                    copy.execute("DELETE FROM meta WHERE key = ?", [key])
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
        if result != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {result}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path):
    """Write a consistent copy of the live database to PATH; safe while serving.

    Uses SQLite's VACUUM INTO (a snapshot: visitors keep clicking meanwhile),
    writes to a temporary file first, checks the copy and then moves it into
    place, so PATH is never half-written. The copy leaves out the day's
    visitor salt and is readable only by its owner.

    Example:

    \b
        flask --app webapp backup /var/backups/massage/data-$(date +%F).db
    """
    source = Path(current_app.config["DATABASE"]).resolve()
    target = path.resolve()
    if target == source:
        raise click.ClickException("The backup must go to another file.")
    if not source.exists():
        raise click.ClickException(f"No database at {source}.")
    if not target.parent.is_dir():
        raise click.ClickException(f"No folder {target.parent}.")
    started = time.monotonic()
    backup(source, target, current_app.extensions.get(PRIVATE_META_KEYS, ()))
    size = target.stat().st_size
    click.echo(
        f"Backed up {source} to {target} "
        f"({size / 1_048_576:.1f} MB, {time.monotonic() - started:.1f}s)."
    )


@click.command("restore-check")
@click.argument("copy", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_check_command(copy):
    """Compare a backup with what this site makes; print one warning a line.

    ``deploy/restore.sh`` runs it before putting a copy in place: a copy with
    a trigger or view added by hand, or another owner password, still
    restores, but not silently. Exits 0 either way.

    Example:

    \b
        flask --app webapp restore-check /var/lib/webapp/backups/data.db
    """
    try:
        warnings = restore_warnings(current_app, copy, current_app.config["DATABASE"])
    except sqlite3.Error as error:
        warnings = [f"the copy cannot be read ({error})"]
    for warning in warnings:
        click.echo(f"warning: {warning}")


def init_app(app):
    """Register the ``backup`` and ``restore-check`` commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_check_command)
