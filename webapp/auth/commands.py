"""The owner's password commands: ``set-password`` and ``init-password``."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core.db import open_migrated
from . import throttle
from .guard import DEFAULT_NEXT
from .passwords import (
    PasswordError,
    check_new_password,
    set_password,
    set_password_if_missing,
)


@click.command("set-password")
@click.option(
    "--stdin/--prompt",
    "from_stdin",
    default=None,
    help="Read the password from standard input (the default when piped), "
    "or ask for it twice (the default on a terminal).",
)
@with_appcontext
def set_password_command(from_stdin):
    """Set the owner's password for the stats pages (stored only as a hash).

    Changing the password signs the owner out everywhere.

    Example:

    \b
        flask --app webapp set-password
        printf '%s\\n' 'four unrelated words here' | flask --app webapp set-password
    """
    if from_stdin is None:
        from_stdin = not sys.stdin.isatty()
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "New owner password",
            hide_input=True,
            confirmation_prompt="Repeat it",
            default="",
            show_default=False,
        )
    try:
        check_new_password(password)
    except PasswordError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    db = open_migrated(current_app.config["DATABASE"])
    try:
        set_password(db, password)
    finally:
        db.conn.close()
    click.echo("Owner password set. Any open owner sessions were signed out.")


@click.command("init-password")
@click.option(
    "--url",
    default="http://127.0.0.1:5000" + DEFAULT_NEXT,
    show_default=True,
    help="The stats address to print with the new password.",
)
@with_appcontext
def init_password_command(url):
    """Create the owner password on first run, printing it once; else say nothing.

    `make run` calls this after migrating. Keep the printed password: it is
    stored only as a hash and is never shown again (change it with
    set-password).

    Example:

    \b
        flask --app webapp init-password --url http://127.0.0.1:5000/stats
    """
    db = open_migrated(current_app.config["DATABASE"])
    try:
        password = set_password_if_missing(db)
    finally:
        db.conn.close()
    if password is None:
        return
    click.echo(
        "\n"
        "  Owner stats:    " + url + "\n"
        "  Owner password: " + password + "\n"
        "  (shown only this once: write it down; change it with\n"
        "   .venv/bin/flask --app webapp set-password)\n"
    )


@click.command("unlock")
@with_appcontext
def unlock_command():
    """Let every client try to sign in again: clear the login throttle's counts.

    Clears every client's failed logins and the site-wide hourly count. The
    password is unchanged; the owner's known browsers never need this.

    Example:

    \b
        flask --app webapp unlock
    """
    db = open_migrated(current_app.config["DATABASE"])
    try:
        counted = throttle.clear_all(db)
    finally:
        db.conn.close()
    click.echo(
        f"Login unlocked: {counted} counted attempt{'s' if counted != 1 else ''} "
        "cleared, every client may try again."
    )
