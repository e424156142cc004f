"""Retention: raw events older than FLASK_RETENTION_DAYS are folded away each night."""

import datetime
import json
import shlex
import sqlite3
import subprocess

import pytest

from webapp.core.checks import check_retention_days
from webapp.core.settings import DEFAULTS

from .servers import DEPLOY, migrated_database, production_env

PROJECT = DEPLOY.parent
FLASK = PROJECT / ".venv" / "bin" / "flask"


def flask(args, env):
    """One `flask --app webapp` command as the deploy runs it; its result."""
    return subprocess.run(
        [str(FLASK), "--app", "webapp", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def nightly_prune_command():
    """The prune step of webapp-backup.service, pointed at this checkout."""
    unit = (DEPLOY / "webapp-backup.service").read_text()
    [line] = [
        line
        for line in unit.splitlines()
        if line.startswith("ExecStart=") and " prune" in line
    ]
    command = line.removeprefix("ExecStart=").replace("/srv/webapp", str(PROJECT))
    return shlex.split(command)


def test_the_default_is_about_25_months():
    assert DEFAULTS["RETENTION_DAYS"] == 760
    result = check_retention_days(DEFAULTS)
    assert result.ok
    assert result.detail.startswith("raw events kept 760 days (about 25 months)")


@pytest.mark.parametrize("value", [0, -5, "long", True, None])
def test_a_retention_that_is_no_number_of_days_is_refused(value):
    result = check_retention_days({"RETENTION_DAYS": value})
    assert result.problem == (
        "FLASK_RETENTION_DAYS must be a whole number of days, at least 1 "
        f"(760 is about 25 months), not {value!r}"
    )


def test_the_nightly_unit_prunes_with_the_configured_retention(tmp_path):
    database = migrated_database(tmp_path)
    env = production_env(database, FLASK_RETENTION_DAYS="3")
    seeded = flask(["seed-demo", "--events", "3000", "--days", "10"], env)
    assert seeded.returncode == 0, seeded.stderr
    before = json.loads(flask(["stats", "--days", "10", "--json"], env).stdout)

    result = subprocess.run(
        nightly_prune_command(),
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Folded and deleted" in result.stdout

    after = json.loads(flask(["stats", "--days", "10", "--json"], env).stdout)
    assert after == before, "totals live on in the daily rollups"
    conn = sqlite3.connect(database)
    try:
        oldest = conn.execute("SELECT min(day) FROM events").fetchone()[0]
    finally:
        conn.close()
    today = datetime.date.fromisoformat(after["end"])
    assert oldest == (today - datetime.timedelta(days=2)).isoformat()


def test_check_reports_the_retention(tmp_path):
    database = migrated_database(tmp_path)
    result = flask(["check"], production_env(database, FLASK_RETENTION_DAYS="400"))
    assert result.returncode == 0, result.stderr
    assert (
        "ok    retention: raw events kept 400 days (about 13 months), then folded "
        "into daily totals by the nightly prune"
    ) in result.stdout


def test_a_bad_retention_stops_prune_and_check_with_one_line(tmp_path):
    database = migrated_database(tmp_path)
    env = production_env(database, FLASK_RETENTION_DAYS="0")
    expected = (
        "FLASK_RETENTION_DAYS must be a whole number of days, at least 1 "
        "(760 is about 25 months), not 0"
    )
    pruned = flask(["prune"], env)
    assert pruned.returncode == 1
    assert pruned.stderr.strip() == f"Error: {expected}"
    checked = flask(["check"], env)
    assert checked.returncode == 1
    assert f"error: {expected}" in checked.stderr.splitlines()
