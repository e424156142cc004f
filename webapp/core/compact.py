"""Giving the database file's free space back to the disk: ``flask compact``.

SQLite keeps the pages a delete frees inside the file and reuses them for
later writes, so the file never shrinks by itself: after a large cancelled
or undone bookings import, ``data.db`` keeps its size. ``free_bytes`` says
how much of it is free (the bookings pages and commands report it), and
``flask --app webapp compact`` rewrites the file without it (``VACUUM``).
"""

import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import connect, not_ready_message

COMPACT_COMMAND = "flask --app webapp compact"
# Free space worth a word to the owner; less is soon reused by new rows.
WORTH_TELLING = 1024 * 1024
MEGABYTE = 1024 * 1024
# The command may wait this long for the site's writes to pause.
BUSY_TIMEOUT_MS = 10_000


def free_bytes(db):
    """How many bytes inside the database file are free (reused by later writes)."""
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    return free * db.execute("PRAGMA page_size").fetchone()[0]


def megabytes(size):
    """``180 MB``, ``1.4 MB``: a size in bytes for people."""
    value = size / MEGABYTE
    return f"{value:,.1f} MB" if value < 10 else f"{round(value):,} MB"


def freed_note(db):
    """The terminal's sentence on free space worth compacting, or None."""
    free = free_bytes(db)
    if free < WORTH_TELLING:
        return None
    return (
        f"About {megabytes(free)} inside the database file is free now; run "
        f"`{COMPACT_COMMAND}` to give it back to the disk."
    )


def _files_size(path):
    """The database file's size with its write-ahead log, in bytes."""
    return sum(
        os.path.getsize(name) for name in (path, f"{path}-wal") if os.path.exists(name)
    )


def _check_room(path, needed):
    """Refuse unless the disk has room for the rewritten copy (twice, see below)."""
    # VACUUM builds the new file in SQLite's temporary folder, then writes
    # every page of it into the write-ahead log beside the database.
    folders = [
        path.parent,
        Path(os.environ.get("SQLITE_TMPDIR") or tempfile.gettempdir()),
    ]
    wanted = {}
    for folder in folders:
        device = folder.stat().st_dev
        wanted[device] = (folder, wanted.get(device, (folder, 0))[1] + needed)
    for folder, bytes_needed in wanted.values():
        free = shutil.disk_usage(folder).free
        if free < bytes_needed:
            raise click.ClickException(
                f"not enough free disk to compact: it needs about "
                f"{megabytes(bytes_needed)} free in {folder}, which has "
                f"{megabytes(free)}. Nothing was changed."
            )


@click.command("compact")
@with_appcontext
def compact_command():
    """Give the free space inside the database file back to the disk (VACUUM).

    Cancelling or undoing a large bookings import leaves its space free
    inside data.db: later writes reuse it, but the file keeps its size. This
    rewrites the whole file without the free space, then lets SQLite copy the
    result into place (a passive checkpoint, which never waits for
    Litestream); it does nothing when there is no free space.

    What it costs: it rewrites the whole file, so it needs as much free disk
    again as the data it keeps (it checks first); the site's writes (a login,
    a note, the visits being stored) wait while it runs, a second or two for
    a hundred megabytes, and fail after 3 s, so run it at a quiet hour; and
    Litestream, if it copies the database offsite, sends the whole file
    again.

    Example:

    \b
        flask --app webapp compact
    """
    path = Path(current_app.config["DATABASE"])
    if not path.exists():
        raise click.ClickException(not_ready_message(path))
    db = connect(str(path), busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        free = free_bytes(db)
        if not free:
            click.echo(f"Nothing to give back: {path} has no free space inside.")
            return
        before = _files_size(path)
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        _check_room(path, pages * page_size - free)
        started = time.monotonic()
        try:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError as problem:
            raise click.ClickException(
                f"could not compact {path} ({problem}): try again at a quieter "
                "moment. Nothing was changed."
            ) from None
        expected = db.execute("PRAGMA page_count").fetchone()[0] * page_size
    finally:
        db.conn.close()
    after = _files_size(path)
    click.echo(
        f"Compacted {path} in {time.monotonic() - started:.1f}s: "
        f"{megabytes(before)} before, {megabytes(after)} now "
        f"(gave {megabytes(max(0, before - after))} back to the disk)."
    )
    if os.path.getsize(path) > expected:
        click.echo(
            f"The file shrinks to about {megabytes(expected)} once the site's "
            "readers (or Litestream) let SQLite finish copying the new file "
            "into place, within a minute or two."
        )


def init_app(app):
    """Register the ``compact`` command."""
    app.cli.add_command(compact_command)
