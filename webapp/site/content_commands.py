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
from .loading import ARTICLES_DIR

content_group = AppGroup(
    "content", help="The site's words: saved revisions, history, export."
)
LIVE_SOON = "The live site shows it within a second, no restart needed."


def _checked_name(file):
    """``file`` as one of the site's files' names, else a click error."""
    try:
        return revisions.check_name(file)
    except ContentError as error:
        raise click.ClickException(str(error)) from None


def _saved_name(path):
    """A file's name on the site: ``articles/<name>.md`` in an articles folder."""
    if path.parent.name == ARTICLES_DIR:
        return f"{ARTICLES_DIR}/{path.name}"
    return path.name


def _saved_when(saved_at):
    """A revision's UTC time as the practice's day and time, in its locale."""
    moment = datetime.datetime.fromisoformat(saved_at).astimezone(practice_zone())
    return f"{long_date(moment.date())} {clock(moment.time())}"


@content_group.command("history")
@click.argument("file", required=False, metavar="[FILE]")
def history_command(file):
    """List the saved revisions, newest first: id, date, file and note.

    FILE is one of the site's files (practice.yaml, widgets.yaml, privacy.md
    or an article, articles/<name>.md).

    Example:

    \b
        flask --app webapp content history
        flask --app webapp content history practice.yaml
        flask --app webapp content history articles/prenatal-massage.md
    """
    if file is not None:
        _checked_name(file)
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

    The file's name says which of the site's files it is (widgets.yaml,
    privacy.md, practice.yaml, or an article: a file in a folder called
    articles, as `content export` writes them); it is checked as start-up
    checks it, and nothing is saved when it has a mistake.

    Example:

    \b
        flask --app webapp content save practice.yaml --note "New prices"
        flask --app webapp content save articles/prenatal-massage.md
    """
    name = _saved_name(file)
    try:
        revisions.check_name(name)
        revision_id = revisions.save(get_migrated_db(), name, read_text(file), note)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved {name} as revision {revision_id}. {LIVE_SOON}")


@content_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder):
    """Write the site's current words as files into a folder.

    Each file is its newest saved revision, or the content folder's file
    where there is none; the articles go into its articles folder. Files of
    the same names in the folder are replaced.

    Example:

    \b
        flask --app webapp content export ~/site-words
    """
    current = revisions.current_texts(current_app, get_migrated_db())
    folder.mkdir(parents=True, exist_ok=True)
    for name, (revision_id, text) in current.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
        source = f"revision {revision_id}" if revision_id else "the content folder"
        click.echo(f"Wrote {folder / name} (from {source}).")


@content_group.command("revert")
@click.argument("file")
@click.argument("revision", type=click.IntRange(min=1))
def revert_command(file, revision):
    """Show an earlier revision of a file again (saved as the newest revision).

    FILE is one of the site's files (practice.yaml, widgets.yaml, privacy.md
    or an article, articles/<name>.md). A deleted article comes back when an
    earlier revision of it is shown again.

    Example:

    \b
        flask --app webapp content revert practice.yaml 12
        flask --app webapp content revert articles/prenatal-massage.md 15
    """
    _checked_name(file)
    try:
        revision_id = revisions.revert(get_migrated_db(), file, revision)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored revision {revision} of {file} as revision {revision_id}. {LIVE_SOON}"
    )
