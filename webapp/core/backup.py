"""Consistent, private copies of the live database: ``flask --app webapp backup``."""

import contextlib
import os
import sqlite3
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import connect

# app.extensions key: the ``meta`` keys that never leave the server.
PRIVATE_META_KEYS = "webapp.private_meta_keys"


def keep_out_of_backups(app, meta_key):
    """Declare a ``meta`` key (a salt, say) that no backup may carry."""
    app.extensions.setdefault(PRIVATE_META_KEYS, set()).add(meta_key)


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


def init_app(app):
    """Register the ``backup`` command."""
    app.cli.add_command(backup_command)
