"""content/widgets.schema.json: published from the models, current, and right."""

import copy
import json

import jsonschema
import pytest
import yaml

from webapp.site.commands import schema_text
from webapp.site.widget_content import SCHEMA_FILE, WIDGETS_FILE


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def content():
    return yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))


def test_the_checked_in_schema_is_what_the_models_say():
    # Fails when a model changed and `flask --app webapp content-schema`
    # was not run (and its output committed).
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_the_schema_command_reports_a_stale_file(app, monkeypatch, tmp_path):
    stale = tmp_path / "widgets.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr("webapp.site.commands.SCHEMA_FILE", stale)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content-schema", "--check"])
    assert result.exit_code == 1
    assert "is out of date: run `flask --app webapp content-schema`" in result.output
    assert stale.read_text(encoding="utf-8") == "{}\n", "--check changes nothing"
    result = runner.invoke(args=["content-schema"])
    assert result.exit_code == 0, result.output
    assert stale.read_text(encoding="utf-8") == schema_text()
    assert runner.invoke(args=["content-schema", "--check"]).exit_code == 0


def test_the_content_file_names_its_schema_for_editors():
    first_lines = WIDGETS_FILE.read_text(encoding="utf-8").splitlines()[:12]
    assert first_lines[0] == "# yaml-language-server: $schema=widgets.schema.json"
    assert any("VS Code" in line for line in first_lines)


def test_an_editor_accepts_the_real_content_file(schema, content):
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(content, schema)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["techniques"]["items"][1].update(kind="spa"), "'spa' is not one"),
        (lambda d: d["comparison"]["aspects"][0].update(id="Purpose Two"), "match"),
        (lambda d: d["techniques"]["items"][0].update(feels_like_it="x"), "feels_like"),
        (lambda d: d["chooser"]["outcomes"].pop("provider-first"), "provider-first"),
        (lambda d: d["comparison"].update(title=""), "non-empty"),
    ],
)
def test_an_editor_flags_the_mistakes_start_up_refuses(schema, content, change, words):
    data = copy.deepcopy(content)
    change(data)
    with pytest.raises(jsonschema.ValidationError, match=words):
        jsonschema.validate(data, schema)
