"""The owner's notes from the terminal: ``note add``, ``note list``, ``note delete``."""

import datetime

import click
from flask.cli import AppGroup

from ..core import calendar
from ..core.db import get_migrated_db
from .store import NoteError, add_note, delete_note, notes_between

note_group = AppGroup("note", help="Notes on the dashboard's timeline.")


@note_group.command("add")
@click.argument("day")
@click.argument("text", nargs=-1, required=True)
def add_command(day, text):
    """Add a note to a day (YYYY-MM-DD): it shows on the dashboard's timeline.

    The words may be quoted or not; they are stored as one line of plain text.

    Example:

    \b
        flask --app webapp note add 2025-03-18 "Posted on Instagram"
    """
    db = get_migrated_db()
    try:
        note = add_note(db, day, " ".join(text))
    except NoteError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Added note {note['id']} on {note['day']}.")


@note_group.command("list")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Only the notes of the last N days, today included [default: all].",
)
def list_command(days):
    """List the notes, oldest first: id, day and text.

    Example:

    \b
        flask --app webapp note list
        flask --app webapp note list --days 30
    """
    db = get_migrated_db()
    since = datetime.date.min
    if days is not None:
        since = calendar.today() - datetime.timedelta(days=days - 1)
    notes = notes_between(db, since, datetime.date.max)
    if not notes:
        click.echo("No notes yet." if days is None else "No notes in those days.")
        return
    width = len(str(max(note["id"] for note in notes)))
    for note in notes:
        click.echo(f"{note['id']:>{width}}  {note['day']}  {note['text']}")


@note_group.command("delete")
@click.argument("note_id", metavar="ID", type=click.IntRange(1, 2**63 - 1))
def delete_command(note_id):
    """Delete one note by its id (``note list`` shows the ids).

    Example:

    \b
        flask --app webapp note delete 3
    """
    db = get_migrated_db()
    try:
        note = delete_note(db, note_id)
    except NoteError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Deleted note {note['id']} ({note['day']}): {note['text']}")
