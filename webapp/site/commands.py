"""The content command: publish the widgets file's JSON schema for editors."""

import json

import click

from .widget_content import SCHEMA_FILE, json_schema


def schema_text():
    """The JSON schema of content/widgets.yaml, as the checked-in file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


@click.command("content-schema")
@click.option(
    "--check",
    is_flag=True,
    help="Only say whether the checked-in schema is up to date (exit 1 if not).",
)
def content_schema_command(check):
    """Write content/widgets.schema.json from the content models.

    Editors such as VS Code (with the YAML extension) check content/widgets.yaml
    against it as the owner types. Run this after changing the models in
    webapp/site/widget_content.py.

    Example:

        flask --app webapp content-schema
        flask --app webapp content-schema --check
    """
    text = schema_text()
    current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if check:
        if current != text:
            raise click.ClickException(
                f"{SCHEMA_FILE} is out of date: run `flask --app webapp "
                "content-schema` and commit the result."
            )
        click.echo(f"{SCHEMA_FILE} is up to date.")
        return
    if current == text:
        click.echo(f"{SCHEMA_FILE} is already up to date.")
        return
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {SCHEMA_FILE}.")
