"""The owner's booking commands: ``bookings import``, ``list-imports``, ``undo``."""

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.compact import freed_note
from ..core.db import get_migrated_db
from ..core.formatting import number
from ..core.text import clean_text
from . import batches, importer, limits, status_changes
from .channels import CHANNELS, channel_of
from .fields import MAPPED_FIELDS

# From this size on a progress bar is drawn even when stderr is no terminal.
BIG_FILE_BYTES = 4 * 1024 * 1024
FILE_NAME_LENGTH = 100


class CommandError(click.ClickException):
    """One ``error:`` line on stderr and exit status 1, never a traceback."""

    def show(self, file=None):
        """Print the one ``error:`` line."""
        click.echo(f"error: {self.message}", err=True)


bookings_group = AppGroup("bookings", help="Import bookings from a CSV export.")


def _parse_maps(values):
    """``{field: header}`` from ``--map FIELD=HEADER`` options."""
    overrides = {}
    for value in values:
        name, sep, header = value.partition("=")
        name = name.strip().lower()
        if not sep or name not in MAPPED_FIELDS:
            raise click.UsageError(
                "--map wants FIELD=HEADER with FIELD one of " + ", ".join(MAPPED_FIELDS)
            )
        overrides[name] = header.strip()
    return overrides


@bookings_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=HEADER",
    help=f"Read FIELD from the column HEADER ({', '.join(MAPPED_FIELDS)}); "
    "FIELD= with no header skips that field.",
)
@click.option(
    "--date-format",
    metavar="FMT",
    help="Read every date with this strptime format, e.g. '%d.%m.%Y %H:%M'.",
)
@click.option("--dry-run", is_flag=True, help="Read and count, store nothing.")
def import_command(file, maps, date_format, dry_run):
    """Import bookings from a booking platform's CSV export, as one batch.

    Only the booking's own fields are read (booked on, appointment, service,
    price, status, source, new client); every other column (names, e-mail
    addresses, phone numbers, notes) is dropped while reading and never
    stored. A file with one bad cell imports nothing and names its row (the
    header is row 1) and column; a file of more than 50,000 bookings or 200
    columns imports nothing either (export a shorter period, import each
    part). Bookings already imported are not added again, so an overlapping
    export is safe; where it gives one of them a new status (upcoming, then
    completed), the stored booking takes it. A date column and a time column
    ("Date" + "Time") make one appointment.

    Example:

        flask --app webapp bookings import appointments.csv
        flask --app webapp bookings import export.csv --map source="Booked Through"
        flask --app webapp bookings import export.csv --date-format '%d.%m.%Y' --dry-run
    """
    overrides = _parse_maps(maps)
    db = get_migrated_db()
    size = file.stat().st_size
    try:
        with open(file, "rb") as binary:
            text = importer.open_text(binary)
            reading = _read_with_progress(binary, text, size, overrides, date_format)
    except importer.BookingFileError as problem:
        raise CommandError(str(problem)) from None
    except OSError as problem:
        raise CommandError(f"cannot read {file}: {problem.strerror}") from None
    name = clean_text(file.name, FILE_NAME_LENGTH)
    try:
        stored = batches.store(db, reading, name, confirmed=True, dry_run=dry_run)
    except batches.Interrupted as problem:
        raise CommandError(str(problem)) from None
    click.echo(_report(reading, stored, name))


def _read_with_progress(binary, text, size, overrides, date_format):
    """Read the export, with a progress bar on stderr for a terminal or a big file."""
    config = current_app.config
    if not (sys.stderr.isatty() or size >= BIG_FILE_BYTES):
        return importer.read_export(text, config, overrides, date_format)
    with click.progressbar(
        length=size, label="Reading", file=sys.stderr, show_pos=False
    ) as bar:
        done = [0]

        def advance():
            # A file read again from its start (Windows-1252 found late)
            # never moves the bar back.
            position = max(min(binary.tell(), size), done[0])
            bar.update(position - done[0])
            done[0] = position

        reading = importer.read_export(text, config, overrides, date_format, advance)
        bar.update(size - done[0])
    return reading


def _report(reading, stored, name):
    """What was read, kept, dropped and added, for the terminal."""
    config = current_app.config
    by_status = Counter(b["status"] for b in reading.bookings)
    lines = [f"Read {number(reading.rows_read)} booking row(s) from {name}."]
    lines.append("Columns kept:")
    for field, header in reading.mapping.items():
        lines.append(f"  {field:<12} from “{header}”")
    for field, order in reading.date_orders.items():
        lines.append(f"  {field} dates read as {order}")
    shown, more = limits.shown_column_names(reading.dropped_columns)
    dropped = ", ".join(f"“{c}”" for c in shown) or "none"
    if more:
        dropped += f" and {number(more)} more"
    lines.append(f"Columns dropped (never stored): {dropped}")
    if reading.empty_rows:
        lines.append(f"Rows dropped: {number(reading.empty_rows)} empty row(s)")
    lines.extend(reading.notes)
    lines.append(
        "In the file: "
        + ", ".join(
            f"{status} {number(by_status[status])}"
            for status in ("completed", "confirmed", "upcoming", "cancelled", "no-show")
        )
    )
    channels = Counter(
        channel_of(b["source"], config)
        for b in reading.bookings
        if b["status"] not in ("cancelled", "no-show")
    )
    lines.append(
        "Kept by channel: " + ", ".join(f"{c} {number(channels[c])}" for c in CHANNELS)
    )
    verb = "Would add" if stored.dry_run else "Added"
    batch = "" if stored.dry_run else f" as import {stored.batch}"
    lines.append(
        f"{verb} {number(stored.added)} booking(s){batch}: {number(stored.kept)} kept, "
        f"{number(stored.cancelled)} cancelled, {number(stored.no_show)} no-show."
    )
    lines.append(
        f"Already imported (not added again): {number(stored.duplicates)} row(s)."
    )
    if stored.status_changes:
        changed = "would change" if stored.dry_run else "changed"
        lines.append(
            f"{number(stored.status_changes)} booking(s) {changed} status "
            f"({status_changes.describe(stored.changes)})."
        )
    if stored.dry_run:
        lines.append("Dry run: nothing was stored.")
    return "\n".join(lines)


@bookings_group.command("list-imports")
def list_imports_command():
    """List the imports, newest first, with what each added.

    "Status" is how many bookings already stored took a new status from it.

    Example:

        flask --app webapp bookings list-imports
    """
    rows = batches.list_batches(get_migrated_db())
    if not rows:
        click.echo("No imports yet.")
        return
    click.echo(
        f"{'Import':>6}  {'Imported (UTC)':<20}  {'Added':>7}  {'Kept':>7}  "
        f"{'Cancelled':>9}  {'No-show':>7}  {'Dupl.':>6}  {'Status':>6}  File"
    )
    for row in rows:
        click.echo(
            f"{row['id']:>6}  {row['imported_at'][:16].replace('T', ' '):<20}  "
            f"{number(row['added']):>7}  {number(row['kept']):>7}  "
            f"{number(row['cancelled']):>9}  {number(row['no_show']):>7}  "
            f"{number(row['duplicates']):>6}  {number(row['status_changes']):>6}  "
            f"{row['file_name']}"
        )


@bookings_group.command("undo")
@click.argument("batch", type=click.IntRange(1, 2**63 - 1))
def undo_command(batch):
    """Delete one import and every booking it added; put back statuses it changed.

    A booking already stored to which the import gave a new status gets its
    previous status back, unless a later import changed it again (that later
    status stands).

    Example:

        flask --app webapp bookings undo 3
    """
    undone = batches.undo(get_migrated_db(), batch)
    if undone is None:
        raise CommandError(
            f"no import {batch}: see `flask --app webapp bookings list-imports`"
        )
    restored = ""
    if undone.restored:
        restored = (
            f"; put back the previous status of {number(undone.restored)} booking(s)"
        )
    if undone.kept:
        restored += f"; kept {number(undone.kept)} booking(s) another import also holds"
    click.echo(
        f"Undid import {batch}: removed {number(undone.removed)} booking(s){restored}."
    )
    note = freed_note(get_migrated_db())
    if note:
        click.echo(note)


def init_app(app):
    """Register the ``bookings`` command group."""
    app.cli.add_command(bookings_group)
