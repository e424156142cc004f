"""The owner's saved words from a terminal: ``content history|save|export|revert``."""

import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.calendar import practice_zone
from ..core.db import get_migrated_db
from ..core.formatting import clock, long_date
from . import revisions
from .content import ContentError, read_text
from .loading import FILE_NAMES

content_group = AppGroup(
    "content", help="The site's words: saved revisions, history, export."
)
LIVE_SOON = "The live site shows it within a second, no restart needed."


def _saved_when(saved_at):
    """A revision's UTC time as the practice's day and time, in its locale."""
    moment = datetime.datetime.fromisoformat(saved_at).astimezone(practice_zone())
    return f"{long_date(moment.date())} {clock(moment.time())}"


@content_group.command("history")
@click.argument("file", required=False, type=click.Choice(FILE_NAMES))
def history_command(file):
    """List the saved revisions, newest first: id, date, file and note.

    Example:

    \b
        flask --app webapp content history
        flask --app webapp content history practice.yaml
    """
    rows = revisions.history(get_migrated_db(), file)
    if not rows:
        click.echo("No saved revisions yet.")
        return
    width = len(str(rows[0]["id"]))
    for row in rows:
        note = f"  {row['note']}" if row["note"] else ""
        when = _saved_when(row["saved_at"])
        click.echo(f"{row['id']:>{width}}  {when}  {row['file']}{note}")


@content_group.command("save")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--note", default="", help="A few words on what changed.")
def save_command(file, note):
    """Check a content file and save it as the newest revision the site shows.

    The file's name says which of the site's files it is (article.md,
    widgets.yaml, privacy.md or practice.yaml); it is checked as start-up
    checks it, and nothing is saved when it has a mistake.

    Example:

    \b
        flask --app webapp content save practice.yaml --note "New prices"
    """
    try:
        revisions.check_name(file.name)
        revision_id = revisions.save(
            get_migrated_db(), file.name, read_text(file), note
        )
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved {file.name} as revision {revision_id}. {LIVE_SOON}")


@content_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder):
    """Write the site's current words as the four files into a folder.

    Each file is its newest saved revision, or the content folder's file
    where there is none; files of the same names in the folder are replaced.

    Example:

    \b
        flask --app webapp content export ~/site-words
    """
    current = revisions.current_texts(current_app, get_migrated_db())
    folder.mkdir(parents=True, exist_ok=True)
    for name, (revision_id, text) in current.items():
        (folder / name).write_text(text, encoding="utf-8")
        source = f"revision {revision_id}" if revision_id else "the content folder"
        click.echo(f"Wrote {folder / name} (from {source}).")


@content_group.command("revert")
@click.argument("file", type=click.Choice(FILE_NAMES))
@click.argument("revision", type=click.IntRange(min=1))
def revert_command(file, revision):
    """Show an earlier revision of a file again (saved as the newest revision).

    Example:

    \b
        flask --app webapp content revert practice.yaml 12
    """
    try:
        revision_id = revisions.revert(get_migrated_db(), file, revision)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored revision {revision} of {file} as revision {revision_id}. {LIVE_SOON}"
    )
