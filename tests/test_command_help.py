"""Every command's --help keeps its examples on their own lines.

click rewraps a docstring's paragraphs into running text, examples too,
unless the paragraph starts with a ``\\b`` line. This walks every command the
app registers (groups' commands too) through click's own formatter and looks
for each indented line of the docstring (an example, a list) as a line of
its own in the help the reader sees.
"""

import inspect

import click
import pytest

from webapp import create_app

# The width click falls back to without a terminal: what a pipe or a log sees.
WIDTH = 80


def registered_commands(app):
    """``(name, command, context)`` for every command under ``flask``, nested too."""

    def walk(group, parent, prefix):
        for name in group.list_commands(parent):
            command = group.get_command(parent, name)
            context = click.Context(
                command, parent=parent, info_name=name, terminal_width=WIDTH
            )
            yield f"{prefix} {name}", command, context
            if isinstance(command, click.Group):
                yield from walk(command, context, f"{prefix} {name}")

    root = click.Context(app.cli, info_name="flask", terminal_width=WIDTH)
    return list(walk(app.cli, root, "flask"))


def indented_lines(help_text):
    """The docstring's lines indented beyond its paragraphs: examples, lists."""
    return [
        line.strip()
        for line in inspect.cleandoc(help_text or "").splitlines()
        if line.startswith((" ", "\t")) and line.strip() and line.strip() != "\b"
    ]


def run_together(command, context):
    """The indented lines the formatted help does not keep as lines of their own."""
    shown = {line.strip() for line in command.get_help(context).splitlines()}
    return [line for line in indented_lines(command.help) if line not in shown]


@pytest.fixture(scope="module")
def commands(tmp_path_factory):
    """Every registered command of an app on a throwaway database."""
    database = tmp_path_factory.mktemp("help") / "data.db"
    app = create_app({"TESTING": True, "DATABASE": str(database)})
    return registered_commands(app)


def test_every_commands_examples_keep_their_own_lines(commands):
    problems = {
        name: lines
        for name, command, context in commands
        if (lines := run_together(command, context))
    }
    assert problems == {}


def test_the_walk_reaches_nested_commands_and_their_examples(commands):
    names = {name for name, _command, _context in commands}
    assert {"flask digest", "flask note add", "flask bookings import"} <= names
    digest = next(command for name, command, _ in commands if name == "flask digest")
    assert "flask --app webapp digest --send --test" in indented_lines(digest.help)


def test_an_example_without_its_marker_is_caught():
    @click.command("sample")
    def sample():
        """Do a thing.

        Examples:

            flask --app webapp sample
            flask --app webapp sample --twice
        """

    context = click.Context(sample, info_name="sample", terminal_width=WIDTH)
    assert run_together(sample, context) == [
        "flask --app webapp sample",
        "flask --app webapp sample --twice",
    ]
    marked = "Examples:\n\n        \b\n"
    sample.help = sample.help.replace("Examples:\n\n", marked)
    assert run_together(sample, context) == []
