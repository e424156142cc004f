"""The ``digest`` command: print the week's letter, or send it by e-mail."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core import calendar
from ..core.db import get_migrated_db
from . import delivery
from .letter import build, chosen_week


@click.command("digest")
@click.option(
    "--week",
    "day",
    metavar="YYYY-MM-DD",
    help="A day of the week to write about (default: the last full week).",
)
@click.option("--send", is_flag=True, help="E-mail the letter to FLASK_DIGEST_TO.")
@click.option("--force", is_flag=True, help="Send even if this week's went out.")
@click.option("--test", is_flag=True, help="With --send: a short test message.")
@with_appcontext
def digest_command(day, send, force, test):
    """Print the weekly letter (Monday to Sunday, FLASK_TIME_ZONE), or send it.

    Without --send, prints the letter as plain text. --send e-mails it to
    FLASK_DIGEST_TO, at most once per week (recorded in the database; --force
    sends again). Transient SMTP trouble is tried again three more times
    over about five minutes, each failed try said at once on stderr with the
    wait before the next; if the letter cannot be sent, one "error:" line
    says why, the exit status is 1, and the next run tries again.
    --send --test sends a short test message instead, to check the mail
    settings: it tries once.

    Example:

    \b
        flask --app webapp digest
        flask --app webapp digest --week 2025-11-24
        flask --app webapp digest --send
        flask --app webapp digest --send --test
    """
    config = current_app.config
    if test:
        if not send:
            raise click.UsageError("--test sends a test message: use it with --send")
        _finish(delivery.send_test(config))
        return
    today = calendar.today()
    try:
        monday = chosen_week(day, today)
    except calendar.DayError as problem:
        raise click.BadParameter(str(problem), param_hint="--week") from None
    db = get_migrated_db()
    if not send:
        if force:
            raise click.UsageError("--force goes with --send")
        letter = build(db, monday, config)
        click.echo(delivery.render(letter)[0])
        return
    _finish(delivery.send_week(db, config, monday, forced=force, on_retry=_say_retry))


def _say_retry(error, seconds):
    """One stderr line per failed try, at once: what failed, when the next try is."""
    click.echo(f"{error}; trying again in {_wait_words(seconds)}", err=True)


def _wait_words(seconds):
    """``10 s``, ``1 min``, ``4 min``."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds:g} s"


def _finish(outcome):
    """Print the outcome's one line; exit 1 when it failed."""
    if outcome.ok:
        click.echo(outcome.message)
        return
    click.echo(f"error: {outcome.message}", err=True)
    raise SystemExit(1)


def init_app(app):
    """Register the ``digest`` command."""
    app.cli.add_command(digest_command)
