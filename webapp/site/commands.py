"""The content commands: files written from the content for editors and the owner."""

import json

import click
from flask.cli import with_appcontext

from .chooser_table import TABLE_FILE, truth_table
from .content import get_widgets
from .widget_content import SCHEMA_FILE, json_schema


def schema_text():
    """The JSON schema of content/widgets.yaml, as the checked-in file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


CHECK_OPTION = click.option(
    "--check",
    is_flag=True,
    help="Only say whether the checked-in file is up to date (exit 1 if not).",
)


def write_generated(path, text, check, command):
    """Write ``text`` to ``path`` unless it is already there; ``check`` only says."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if check:
        if current != text:
            raise click.ClickException(
                f"{path} is out of date: run `flask --app webapp {command}` "
                "and commit the result."
            )
        click.echo(f"{path} is up to date.")
        return
    if current == text:
        click.echo(f"{path} is already up to date.")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {path}.")


@click.command("content-schema")
@CHECK_OPTION
def content_schema_command(check):
    """Write content/widgets.schema.json from the content models.

    Editors such as VS Code (with the YAML extension) check content/widgets.yaml
    against it as the owner types. Run this after changing the models in
    webapp/site/widget_content.py.

    Example:

    \b
        flask --app webapp content-schema
        flask --app webapp content-schema --check
    """
    write_generated(SCHEMA_FILE, schema_text(), check, "content-schema")


@click.command("chooser-table")
@CHECK_OPTION
@with_appcontext
def chooser_table_command(check):
    """Write docs/chooser.md: what the chooser suggests for every answer.

    Run it after changing the chooser's questions or weights in
    content/widgets.yaml, and read the table before publishing the change.

    Example:

    \b
        flask --app webapp chooser-table
        flask --app webapp chooser-table --check
    """
    text = truth_table(get_widgets().chooser)
    write_generated(TABLE_FILE, text, check, "chooser-table")
