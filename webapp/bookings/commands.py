"""The owner's booking commands: ``bookings import``, ``list-imports``, ``undo``."""

import csv
import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.compact import freed_note
from ..core.db import get_migrated_db, immediate
from ..core.formatting import counted, number
from ..core.text import clean_text
from . import batches, importer, mappings, status_changes
from .channels import CHANNEL_LABELS, CHANNELS
from .fields import KEPT_STATUSES, MAPPED_FIELDS, STATUSES
from .file_shapes import HEADER_SEARCH_ROWS, csv_rows

# From this size on a progress bar is drawn even when stderr is no terminal.
BIG_FILE_BYTES = 4 * 1024 * 1024
FILE_NAME_LENGTH = 100
# The dropped columns' line names a few (each cut short), never the whole list.
DROPPED_NAMES_SHOWN = 3
DROPPED_NAME_LENGTH = 24
RECALLED = "Using the columns you chose last time for this report."


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


def _parse_statuses(values):
    """``{word: status}`` from ``--status WORD=STATUS`` options."""
    chosen = {}
    for value in values:
        word, sep, status = value.rpartition("=")
        status = status.strip().lower()
        if not sep or not word.strip() or status not in STATUSES:
            raise click.UsageError(
                "--status wants WORD=STATUS with STATUS one of " + ", ".join(STATUSES)
            )
        chosen[word.strip()] = status
    return chosen


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
    "--status",
    "status_words",
    multiple=True,
    metavar="WORD=STATUS",
    help=f"Read the status WORD as STATUS ({', '.join(STATUSES)}).",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Skip the rows that cannot be read (their numbers are listed).",
)
@click.option(
    "--date-format",
    metavar="FMT",
    help="Read every date with this strptime format, e.g. '%d.%m.%Y %H:%M'.",
)
@click.option("--dry-run", is_flag=True, help="Read and count, store nothing.")
def import_command(file, maps, status_words, skip_bad_rows, date_format, dry_run):
    """Import bookings from a booking platform's CSV export, as one batch.

    Only the booking's own fields are read (booked on, appointment, service,
    price, status, new client, and the channel its source names: never the
    source's text); every other column (names, e-mail addresses, phone
    numbers, notes) is dropped while reading and never stored. A file with
    one bad cell imports nothing and names its row (the header is row 1) and
    column, unless --skip-bad-rows; a file of more than 50,000 bookings or
    200 columns imports nothing either (export a shorter period, import each
    part). Bookings already imported are not added again, so an overlapping
    export is safe; where it gives one of them a new status (upcoming, then
    completed), the stored booking takes it, and where the export has a
    booking id, a new price, time or service too. A file with nothing new
    records no import. The --map and --status choices are remembered for
    files with the same columns. Pending bookings (not yet confirmed by the
    platform) are stored but never counted as kept.

    Example:

    \b
        flask --app webapp bookings import appointments.csv
        flask --app webapp bookings import export.csv --map source="Booked Through"
        flask --app webapp bookings import export.csv --status Unpaid=confirmed
        flask --app webapp bookings import export.csv --date-format '%d.%m.%Y' --dry-run
    """
    chosen = mappings.ColumnChoices(_parse_maps(maps), _parse_statuses(status_words))
    db = get_migrated_db()
    size = file.stat().st_size
    try:
        recalled = _recalled(db, file)
        choices = _merged(recalled, chosen)
        with open(file, "rb") as binary:
            text = importer.open_text(binary)
            reading = _read_with_progress(
                binary, text, size, choices, date_format, skip_bad_rows
            )
    except importer.BookingFileError as problem:
        raise CommandError(str(problem)) from None
    except OSError as problem:
        raise CommandError(f"cannot read {file}: {problem.strerror}") from None
    if not dry_run and (chosen.fields or chosen.statuses):
        with immediate(db):
            mappings.remember(db, reading.header, choices)
    name = clean_text(file.name, FILE_NAME_LENGTH)
    try:
        stored = batches.store(db, reading, name, confirmed=True, dry_run=dry_run)
    except batches.Interrupted as problem:
        raise CommandError(str(problem)) from None
    if recalled is not None:
        click.echo(RECALLED)
    click.echo(_report(reading, stored, name))


def _recalled(db, path):
    """The choices remembered for this file's header row, or None.

    The header is one of the first rows (a title may come above it): each is
    looked up, and only its hash is ever compared, never stored.
    """
    with open(path, "rb") as binary, importer.open_text(binary) as text:
        try:
            looked_at = 0
            for row in csv_rows(text):
                cells = [cell.replace("\ufeff", "").strip() for cell in row]
                if not any(cells):
                    continue
                found = mappings.recall(db, cells)
                looked_at += 1
                if found is not None or looked_at >= HEADER_SEARCH_ROWS:
                    return found
        except (UnicodeDecodeError, csv.Error):
            return None
    return None


def _merged(recalled, chosen):
    """The remembered choices with the ones given now on top."""
    if recalled is None:
        return chosen
    return mappings.ColumnChoices(
        {**recalled.fields, **chosen.fields}, {**recalled.statuses, **chosen.statuses}
    )


def _read_with_progress(binary, text, size, choices, date_format, skip_bad_rows):
    """Read the export, with a progress bar on stderr for a terminal or a big file."""
    config = current_app.config

    def read(progress=None):
        return importer.read_export(
            text,
            config,
            choices.fields,
            date_format,
            progress,
            statuses=choices.statuses,
            skip_bad_rows=skip_bad_rows,
        )

    if not (sys.stderr.isatty() or size >= BIG_FILE_BYTES):
        return read()
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

        reading = read(advance)
        bar.update(size - done[0])
    return reading


def _dropped_line(names):
    """``12 other columns not imported (Client Name, Email, Phone...)``, or None."""
    if not names:
        return None
    shown = ", ".join(
        clean_text(name, DROPPED_NAME_LENGTH) for name in names[:DROPPED_NAMES_SHOWN]
    )
    more = "..." if len(names) > DROPPED_NAMES_SHOWN else ""
    plural = "" if len(names) == 1 else "s"
    return (
        f"{number(len(names))} other column{plural} not imported, never stored "
        f"({shown}{more})."
    )


def _report(reading, stored, name):
    """What was read, kept, dropped and added, for the terminal."""
    by_status = Counter(b["status"] for b in reading.bookings)
    lines = [f"Read {counted(len(reading.bookings), 'booking row')} from {name}."]
    lines.append("Columns kept:")
    for field, header in reading.mapping.items():
        lines.append(f"  {field:<16} from “{header}”")
    for field, order in reading.date_orders.items():
        lines.append(f"  {field} dates read as {order}")
    lines.append(_dropped_line(reading.dropped_columns))
    if reading.empty_rows:
        lines.append(f"Rows dropped: {counted(reading.empty_rows, 'empty row')}")
    # The reader's notes name the skipped rows by number (never a cell).
    lines.extend(reading.notes)
    lines.append(
        "In the file: "
        + ", ".join(f"{status} {number(by_status[status])}" for status in STATUSES)
    )
    channels = Counter(
        b["channel"] for b in reading.bookings if b["status"] in KEPT_STATUSES
    )
    if channels:
        lines.append(
            "Kept, by how they were booked: "
            + ", ".join(
                f"{CHANNEL_LABELS[c]} {number(channels[c])}"
                for c in CHANNELS
                if channels[c]
            )
        )
    lines.extend(_stored_lines(stored))
    return "\n".join(line for line in lines if line)


def _stored_lines(stored):
    """What storing did (or would do), in a few lines."""
    if stored.nothing_new:
        return [stored.nothing_new_text()]
    verb = "Would add" if stored.dry_run else "Added"
    batch = "" if stored.dry_run else f" as import {stored.batch}"
    pending = ""
    if stored.pending:
        pending = (
            f", {number(stored.pending)} pending (not confirmed by the platform"
            " yet: not counted as kept)"
        )
    lines = [
        f"{verb} {counted(stored.added, 'booking')}{batch}: {number(stored.kept)} "
        f"kept{pending}, {number(stored.cancelled)} cancelled, "
        f"{number(stored.no_show)} no-show.",
        f"Already imported (not added again): {counted(stored.duplicates, 'row')}.",
    ]
    if stored.updated:
        verb = "Would update" if stored.dry_run else "Updated"
        lines.append(
            f"{verb} {counted(stored.updated, 'booking')} already imported, found by "
            "their booking id (a new price, time, status or service)."
        )
    if stored.status_changes:
        changed = "would change" if stored.dry_run else "changed"
        lines.append(
            f"{counted(stored.status_changes, 'booking')} {changed} status "
            f"({status_changes.describe(stored.changes)})."
        )
    if stored.dry_run:
        lines.append("Dry run: nothing was stored.")
    return lines


@bookings_group.command("list-imports")
def list_imports_command():
    """List the imports, newest first, with what each added and changed.

    "Pending" bookings are not confirmed by the platform yet (never counted
    as kept); "Updated" ones were already stored and found again by their
    booking id; "Status" is how many bookings already stored took a new
    status from it.

    Example:

    \b
        flask --app webapp bookings list-imports
    """
    rows = batches.list_batches(get_migrated_db())
    if not rows:
        click.echo("No imports yet.")
        return
    click.echo(
        f"{'Import':>6}  {'Imported (UTC)':<20}  {'Added':>7}  {'Kept':>7}  "
        f"{'Pending':>7}  {'Cancelled':>9}  {'No-show':>7}  {'Dupl.':>6}  "
        f"{'Updated':>7}  {'Status':>6}  File"
    )
    for row in rows:
        click.echo(
            f"{row['id']:>6}  {row['imported_at'][:16].replace('T', ' '):<20}  "
            f"{number(row['added']):>7}  {number(row['kept']):>7}  "
            f"{number(row['pending']):>7}  {number(row['cancelled']):>9}  "
            f"{number(row['no_show']):>7}  {number(row['duplicates']):>6}  "
            f"{number(row['updated']):>7}  {number(row['status_changes']):>6}  "
            f"{row['file_name']}"
        )


@bookings_group.command("undo")
@click.argument("batch", type=click.IntRange(1, 2**63 - 1))
def undo_command(batch):
    """Delete one import and every booking it added; put back what it changed.

    A booking already stored to which the import gave a new status (or, by
    its id, a new price, time or service) gets its previous one back, unless
    a later import changed it again (that later one stands).

    Example:

    \b
        flask --app webapp bookings undo 3
    """
    undone = batches.undo(get_migrated_db(), batch)
    if undone is None:
        raise CommandError(
            f"no import {batch}: see `flask --app webapp bookings list-imports`"
        )
    restored = ""
    if undone.restored:
        changed = counted(undone.restored, "booking")
        restored = f"; put back what it changed on {changed}"
    if undone.kept:
        kept = counted(undone.kept, "booking")
        restored += f"; kept {kept} another import also holds"
    click.echo(
        f"Undid import {batch}: removed {counted(undone.removed, 'booking')}{restored}."
    )
    note = freed_note(get_migrated_db())
    if note:
        click.echo(note)


def init_app(app):
    """Register the ``bookings`` command group."""
    app.cli.add_command(bookings_group)
