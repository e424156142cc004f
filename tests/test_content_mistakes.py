"""A mistake in a content file is one line everywhere: file, line, column, reason.

`flask check` (whose first `error:` line the server's start-up shows), any
other `flask` command and a production start all say the same one line, never
a traceback: a YAML syntax mistake, a file that is not UTF-8, a file that
cannot be read.
"""

import shutil

import pytest

from webapp import ConfigError, create_app
from webapp.site.article import ARTICLE_FILE, load_article
from webapp.site.content import ContentError
from webapp.site.practice import PRACTICE_FILE, load_practice
from webapp.site.widget_content import WIDGETS_FILE

from .servers import GOOD_KEY, production_env
from .test_checks import error_lines, flask

# A colon in an unquoted value: the most likely slip when filling in the file.
BAD_YAML = "therapist:\n  name: Ana\n  licence: LMT: 12345\n"
BAD_YAML_LINE = "line 3, column 15: not valid YAML: mapping values are not allowed here"


@pytest.fixture
def bad_practice(tmp_path):
    path = tmp_path / "practice.yaml"
    path.write_text(BAD_YAML)
    return path


def test_a_yaml_mistake_names_file_line_column_and_reason(bad_practice):
    with pytest.raises(ContentError) as raised:
        load_practice(bad_practice)
    assert str(raised.value) == f"{bad_practice}: {BAD_YAML_LINE}"


def test_a_file_that_is_not_utf8_names_the_place(tmp_path):
    path = tmp_path / "practice.yaml"
    path.write_bytes("therapist:\n  name: Zo\xeb\n".encode("latin-1"))
    with pytest.raises(ContentError) as raised:
        load_practice(path)
    assert str(raised.value) == (
        f"{path}: line 2, column 11: not UTF-8 text (byte 0xeb): save the file as UTF-8"
    )


def test_a_file_that_cannot_be_read_says_why(tmp_path):
    with pytest.raises(ContentError) as raised:
        load_practice(tmp_path / "missing.yaml")
    assert str(raised.value) == f"{tmp_path / 'missing.yaml'}: cannot be read: " + (
        "No such file or directory"
    )
    with pytest.raises(ContentError, match="cannot be read: Is a directory$"):
        load_practice(tmp_path)


def test_a_front_matter_mistake_counts_lines_from_the_files_top(tmp_path):
    path = tmp_path / "article.md"
    text = ARTICLE_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "---"
    # The title's line (counted from the file's top, comments included) gets
    # a second unquoted colon.
    title = next(i for i, line in enumerate(lines) if line.startswith("title: "))
    lines[title] = lines[title] + " Or: this"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_article(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: line {title + 1}, column ")
    assert "not valid YAML: mapping values are not allowed" in message
    assert "\n" not in message


@pytest.mark.parametrize("setting", ["FLASK_PRACTICE_FILE", "FLASK_WIDGETS_FILE"])
@pytest.mark.parametrize("command", [["check"], ["check", "--quiet"], ["migrate"]])
def test_flask_commands_say_a_content_mistake_in_one_line(
    database_path, tmp_path, setting, command
):
    source = PRACTICE_FILE if setting == "FLASK_PRACTICE_FILE" else WIDGETS_FILE
    broken = tmp_path / source.name
    shutil.copy(source, broken)
    with broken.open("a", encoding="utf-8") as file:
        file.write("\n  oops: [unclosed\n")
    result = flask(command, production_env(database_path, **{setting: str(broken)}),
                   cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line == error_lines(result)[0]
    assert line.startswith(f"error: {broken}: line ")
    assert "not valid YAML: " in line


def test_a_production_start_refuses_a_content_mistake_with_a_config_error(
    monkeypatch, database_path, bad_practice
):
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE": str(database_path), "PRACTICE_FILE": str(bad_practice)})
    assert str(raised.value) == f"{bad_practice}: {BAD_YAML_LINE}"
    # Still a ContentError for whoever catches those.
    assert isinstance(raised.value, ContentError)
