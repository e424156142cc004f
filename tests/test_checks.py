"""Start-up checks: production refuses a bad configuration with one clear line."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlite_utils

from webapp import ConfigError, create_app
from webapp.core.address_checks import check_booking_url, check_site_url
from webapp.core.checks import MIN_SECRET_KEY_LENGTH, run_checks
from webapp.core.db import connect
from webapp.core.migrations import migrations
from webapp.core.settings import DEFAULTS

from .conftest import create_migrated_database
from .servers import GOOD_KEY, production_env, without_root_powers


def flask(args, env, cwd, unprivileged=False):
    """Run `flask --app webapp ...` in a fresh process, as in production."""
    command = [sys.executable, "-m", "flask", "--app", "webapp", *args]
    if unprivileged:
        command = without_root_powers(command)
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def error_lines(result):
    """The lines that say what is wrong, without gunicorn or Flask chatter."""
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_production_app_starts_with_a_good_configuration(monkeypatch, database_path):
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    app = create_app({"DATABASE": str(database_path)})
    assert not app.debug
    assert not app.testing
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("key", "line"),
    [
        (None, "FLASK_SECRET_KEY is not set"),
        ("", "FLASK_SECRET_KEY is not set"),
        ("change-me", "FLASK_SECRET_KEY is an example value"),
        ("dev", "FLASK_SECRET_KEY is an example value"),
        ("  Secret ", "FLASK_SECRET_KEY is an example value"),
        ("x" * (MIN_SECRET_KEY_LENGTH - 1), "FLASK_SECRET_KEY is too short (31"),
    ],
)
def test_production_refuses_a_missing_or_weak_secret_key(
    monkeypatch, database_path, key, line
):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    config = {"DATABASE": str(database_path)}
    if key is not None:
        config["SECRET_KEY"] = key
    with pytest.raises(ConfigError) as raised:
        create_app(config)
    message = str(raised.value)
    assert line in message
    assert "\n" not in message
    assert "secrets.token_hex(32)" in message


def test_debug_and_testing_get_a_throwaway_key(monkeypatch, database_path):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    for mode in ({"TESTING": True}, {"DEBUG": True}):
        app = create_app({"DATABASE": str(database_path), **mode})
        assert len(app.config["SECRET_KEY"]) >= MIN_SECRET_KEY_LENGTH


def all_migration_names():
    """Every migration's name, in order (all pending on an empty database)."""
    empty = sqlite_utils.Database(memory=True)
    names = [migration.name for migration in migrations.pending(empty)]
    empty.close()
    return names


def test_production_refuses_pending_migrations(monkeypatch, tmp_path):
    path = tmp_path / "old.db"
    names = all_migration_names()
    db = connect(str(path))
    # An older release's database: only the first migration applied.
    migrations.apply(db, stop_before=names[1])
    db.conn.close()
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE": str(path)})
    assert str(raised.value) == (
        f"database {path} has {len(names) - 1} pending migrations "
        f"({', '.join(names[1:])}): run `flask --app webapp migrate`"
    )


def test_production_refuses_a_database_that_does_not_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    path = tmp_path / "never-made.db"
    with pytest.raises(ConfigError, match="does not exist yet: run `flask"):
        create_app({"DATABASE": str(path)})
    assert not path.exists(), "a check must not create the database"


def test_production_refuses_a_missing_database_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError, match="database folder .*nowhere does not exist"):
        create_app({"DATABASE": str(tmp_path / "nowhere" / "data.db")})


@pytest.mark.parametrize("value", ["two", -1, True, 1.5])
def test_a_bad_proxy_count_is_refused_in_every_mode(database_path, value):
    with pytest.raises(ConfigError, match="FLASK_PROXY_COUNT must be a whole number"):
        create_app(
            {"TESTING": True, "DATABASE": str(database_path), "PROXY_COUNT": value}
        )


def test_check_command_prints_an_ok_summary(database_path, tmp_path):
    result = flask(["check"], production_env(database_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok    secret key: set (64 characters)" in result.stdout
    assert "ok    migrations:" in result.stdout
    assert "All checks passed" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"FLASK_SECRET_KEY": None}, "error: FLASK_SECRET_KEY is not set"),
        ({"FLASK_SECRET_KEY": "change-me"}, "error: FLASK_SECRET_KEY is an example"),
        ({"FLASK_SECRET_KEY": "short"}, "error: FLASK_SECRET_KEY is too short"),
        ({"FLASK_PROXY_COUNT": "many"}, "error: FLASK_PROXY_COUNT must be"),
    ],
)
def test_check_command_fails_with_one_clear_line(database_path, tmp_path, change, line):
    result = flask(["check"], production_env(database_path, **change), cwd=tmp_path)
    assert result.returncode == 1
    assert error_lines(result) == [result.stderr.strip()]
    assert error_lines(result)[0].startswith(line)
    assert "Traceback" not in result.stderr


def test_check_command_reports_pending_migrations(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    result = flask(["check"], production_env(path), cwd=tmp_path)
    assert result.returncode == 1
    names = all_migration_names()
    assert error_lines(result) == [
        f"error: database {path} has {len(names)} pending migrations "
        f"({', '.join(names)}): run `flask --app webapp migrate`"
    ]


def test_migrate_works_on_a_fresh_database_in_production(tmp_path):
    path = tmp_path / "state" / "data.db"
    path.parent.mkdir()
    env = production_env(path)
    before = flask(["check"], env, cwd=tmp_path)
    assert "does not exist yet" in before.stderr
    migrated = flask(["migrate"], env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "Applied" in migrated.stdout
    after = flask(["check"], env, cwd=tmp_path)
    assert after.returncode == 0, after.stderr


def test_owner_commands_still_load_without_a_secret_key(tmp_path):
    # `migrate` (and backup, stats...) need no key; serving does.
    path = tmp_path / "data.db"
    result = flask(["migrate"], production_env(path, FLASK_SECRET_KEY=None), tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def unwritable_folder():
    """A folder, outside pytest's private tmp, that a test user cannot write."""
    folder = Path(tempfile.mkdtemp(prefix="webapp-readonly-"))
    create_migrated_database(folder / "data.db")
    for name in os.listdir(folder):
        (folder / name).chmod(0o644)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def test_check_command_refuses_a_folder_it_cannot_write(unwritable_folder):
    env = production_env(unwritable_folder / "data.db", HOME="/")
    result = flask(["check"], env, cwd="/", unprivileged=True)
    assert result.returncode == 1
    assert error_lines(result) == [
        f"error: database folder {unwritable_folder} is not writable by this user "
        "(Permission denied): fix its owner or FLASK_DATABASE"
    ]


def test_run_checks_skips_migrations_when_asked(tmp_path):
    config = {
        **DEFAULTS,
        "SECRET_KEY": GOOD_KEY,
        "DATABASE": str(tmp_path / "x.db"),
    }
    names = [result.name for result in run_checks(config, migrations=False)]
    assert "migrations" not in names
    assert all(result.ok for result in run_checks(config, migrations=False))
    # The other checks still ran (and passed), not none at all.
    assert names == [
        "secret key",
        "proxy count",
        "retention",
        "locale",
        "time zone",
        "site address",
        "booking address",
        "limits",
        "cookies",
        "server",
        "database folder",
    ]


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"FLASK_SITE_URL": "https://example.com"},
            "error: FLASK_SITE_URL 'https://example.com' is still the example",
        ),
        (
            {"FLASK_SITE_URL": "massage.example"},
            "error: FLASK_SITE_URL 'massage.example' is not an absolute https://",
        ),
        (
            {"FLASK_SITE_URL": "http://massage.example"},
            "error: FLASK_SITE_URL 'http://massage.example' is not an absolute https://",
        ),
        (
            {"FLASK_SITE_URL": "https://massage.example/blog"},
            "error: FLASK_SITE_URL 'https://massage.example/blog' must be the bare",
        ),
        (
            {"FLASK_TIME_ZONE": "America/Nwe_York"},
            "error: FLASK_TIME_ZONE 'America/Nwe",
        ),
        ({"FLASK_TIME_ZONE": ""}, "error: FLASK_TIME_ZONE '' is not a known time zone"),
        ({"FLASK_LOCALE": "xx_YY"}, "error: FLASK_LOCALE must be a locale name"),
        ({"FLASK_RETENTION_DAYS": "two years"}, "error: FLASK_RETENTION_DAYS must be"),
        (
            {"FLASK_BOOKING_URL": "massagebook"},
            "error: FLASK_BOOKING_URL 'massagebook'",
        ),
        (
            {"FLASK_MAX_CONTENT_LENGTH": "64k"},
            "error: FLASK_MAX_CONTENT_LENGTH must be",
        ),
        ({"FLASK_ARTICLE_CACHE_SIZE": "-1"}, "error: FLASK_ARTICLE_CACHE_SIZE must be"),
        ({"FLASK_SESSION_COOKIE_SECURE": "yes"}, "error: FLASK_SESSION_COOKIE_SECURE"),
        ({"FLASK_SESSION_COOKIE_SAMESITE": "lax"}, "error: FLASK_SESSION_COOKIE_SAMES"),
        ({"WEBAPP_WORKERS": "three"}, "error: WEBAPP_WORKERS must be a whole number"),
        ({"WEBAPP_THREADS": "0"}, "error: WEBAPP_THREADS must be a whole number"),
        ({"WEBAPP_LOG_LEVEL": "loud"}, "error: WEBAPP_LOG_LEVEL must be one of"),
        ({"WEBAPP_ACCESS_LOG": "maybe"}, "error: WEBAPP_ACCESS_LOG must be one of"),
        ({"WEBAPP_BACKUP_KEEP": "all"}, "error: WEBAPP_BACKUP_KEEP must be a whole"),
        ({"WEBAPP_PROXY": "apache"}, "error: WEBAPP_PROXY must be one of"),
        ({"FLASK_DATABASE": "/nowhere/at/all/data.db"}, "error: database folder"),
        (
            {"FLASK_SITE_URL": "https://www.massage.example"},
            "error: FLASK_SITE_URL 'https://www.massage.example' begins with www.: "
            "use the bare domain, https://massage.example; the www. address is "
            "redirected to it",
        ),
        (
            {"FLASK_BOOKING_URL": "https://massage.example/book"},
            "error: FLASK_BOOKING_URL 'https://massage.example/book' is this site's "
            "own address",
        ),
        (
            {"FLASK_BOOKING_URL": "https://www.massage.example/book"},
            "error: FLASK_BOOKING_URL 'https://www.massage.example/book' is this "
            "site's own address",
        ),
        (
            {"FLASK_BOOKING_URL": "/book"},
            "error: FLASK_BOOKING_URL '/book' is an address on this site",
        ),
        (
            {"FLASK_BOOKING_URL": "https://example.com/book"},
            "error: FLASK_BOOKING_URL 'https://example.com/book' is still the example",
        ),
    ],
)
def test_check_refuses_each_owner_mistake_in_one_line(
    database_path, tmp_path, change, line
):
    env = production_env(database_path, FLASK_SITE_URL="https://massage.example")
    env.update(change)
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert result.stderr.strip().splitlines() == error_lines(result)
    assert len(error_lines(result)) == 1, result.stderr
    assert error_lines(result)[0].startswith(line)
    assert "Traceback" not in result.stderr + result.stdout


def test_check_accepts_the_owners_own_address(database_path, tmp_path):
    env = production_env(database_path, FLASK_SITE_URL="https://massage.example")
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok    site address: https://massage.example" in result.stdout
    assert "ok    time zone: America/New_York" in result.stdout


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"FLASK_TIME_ZONE": "Mars/Olympus"}, "error: FLASK_TIME_ZONE 'Mars/Olympus'"),
        ({"FLASK_LOCALE": "xx_YY"}, "error: FLASK_LOCALE must be a locale name"),
        ({"FLASK_PROXY_COUNT": "one"}, "error: FLASK_PROXY_COUNT must be"),
        ({"FLASK_DATABASE": "/nowhere/data.db"}, "error: database folder /nowhere"),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "backup", "stats"])
def test_owner_commands_stop_on_a_broken_setting_in_one_line(
    database_path, tmp_path, change, line, command
):
    # `migrate` is what systemd runs first at every start (ExecStartPre).
    env = production_env(database_path, **change)
    args = [command, str(tmp_path / "copy.db")] if command == "backup" else [command]
    result = flask(args, env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert result.stderr.strip().splitlines() == [error_lines(result)[0]]
    assert error_lines(result)[0].startswith(line)
    assert "Traceback" not in result.stderr + result.stdout


def test_production_start_refuses_an_unknown_time_zone_with_a_config_error(
    monkeypatch, database_path
):
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError, match="FLASK_TIME_ZONE 'Nowhere/Town' is not"):
        create_app({"DATABASE": str(database_path), "TIME_ZONE": "Nowhere/Town"})
    with pytest.raises(ConfigError, match="FLASK_TIME_ZONE"):
        create_app(
            {"TESTING": True, "DATABASE": str(database_path), "TIME_ZONE": "Nowhere"}
        )


def test_check_says_whether_the_offsite_copy_is_set_up(database_path, tmp_path):
    config = tmp_path / "litestream.yml"
    env = production_env(database_path, FLASK_LITESTREAM_CONFIG=str(config))
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"ok    replication: not configured: no {config}" in result.stdout
    replica = tmp_path / "replica"
    config.write_text(
        f"dbs:\n  - path: {database_path}\n    replica:\n"
        f"      type: file\n      path: {replica}\n"
    )
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok    replication: configured:" in result.stdout
    assert str(replica) in result.stdout
    # A configuration that copies some other file: the site's data is not
    # copied, which the owner must read; but the copy is optional, and the
    # site still starts (gunicorn's start-up runs `check --quiet`).
    config.write_text(config.read_text().replace(str(database_path), "/tmp/other.db"))
    for args in (["check"], ["check", "--quiet"]):
        result = flask(args, env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert error_lines(result) == []
        [warning] = result.stderr.strip().splitlines()
        assert warning.startswith("warning: replication: not configured: ")
        assert "other.db" in warning
        assert "Traceback" not in result.stderr


def stand_in_systemctl(tmp_path):
    """tests/test_deploy_standin.py as ``systemctl``, its units under tmp_path."""
    folder = tmp_path / "bin"
    folder.mkdir()
    stand_in = Path(__file__).with_name("test_deploy_standin.py")
    script = folder / "systemctl"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} {stand_in} "$@"\n')
    script.chmod(0o755)
    units = tmp_path / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    # Litestream itself is not installed here: a process that stays up stands in.
    (units / "litestream.service").write_text(
        "[Service]\nUser=root\nExecStart=/bin/sleep 300\n"
    )
    return folder


def test_check_says_whether_the_litestream_service_runs(database_path, tmp_path):
    config = tmp_path / "litestream.yml"
    config.write_text(
        f"dbs:\n  - path: {database_path}\n    replica:\n"
        f"      type: file\n      path: {tmp_path / 'replica'}\n"
    )
    env = production_env(database_path, FLASK_LITESTREAM_CONFIG=str(config))
    # No systemd (no systemctl at all): it cannot tell, and says so plainly.
    env["PATH"] = str(tmp_path / "nothing")
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "; whether its service runs: cannot tell (no systemd here)" in result.stdout

    env["PATH"] = f"{stand_in_systemctl(tmp_path)}:/usr/bin:/bin"
    env["WEBAPP_ROOT"] = str(tmp_path)
    # Configured, but the service is not running: a warning, never a failure.
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "All checks passed" in result.stdout
    [warning] = result.stderr.strip().splitlines()
    assert warning.startswith("warning: replication: configured: ")
    assert "its service is inactive, so nothing is copied offsite" in warning
    assert "sudo systemctl enable --now litestream" in warning

    standin = [sys.executable, Path(__file__).with_name("test_deploy_standin.py")]
    subprocess.run([*standin, "start", "litestream"], env=env, check=True)
    try:
        result = flask(["check"], env, cwd=tmp_path)
    finally:
        subprocess.run([*standin, "stop", "litestream"], env=env, check=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "; its service runs\n" in result.stdout


@pytest.mark.parametrize(
    "text",
    [
        "dbs:\n  - path: {db}\n    replica:\n      type: file\n      path: [x\n",
        "dbs:\n  - path: {db}\n    replica:\n\ttype: file\n",
        "dbs:\n  - path: {db}\n    replica:\n      type: ftp\n",
    ],
    ids=["unclosed", "tab", "unknown-type"],
)
def test_a_typo_in_the_litestream_file_is_a_warning_not_an_error(
    monkeypatch, database_path, tmp_path, text
):
    config = tmp_path / "litestream.yml"
    config.write_text(text.format(db=database_path))
    env = production_env(database_path, FLASK_LITESTREAM_CONFIG=str(config))
    result = flask(["check", "--quiet"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("warning: replication: not configured: ")
    assert str(config) in line
    assert "Traceback" not in result.stderr + result.stdout
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "All checks passed" in result.stdout
    # The site starts with it, in production.
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    app = create_app({"DATABASE": str(database_path), "LITESTREAM_CONFIG": str(config)})
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "booking", ["https://massage.example/book", "/book", "https://example.com/book"]
)
def test_a_refused_booking_address_says_what_to_put_there(booking):
    config = {**DEFAULTS, "SITE_URL": "https://massage.example", "BOOKING_URL": booking}
    result = check_booking_url(config)
    assert not result.ok
    assert "put your page on your booking platform there" in result.problem
    assert "\n" not in result.problem


def test_the_booking_platforms_own_www_address_is_accepted():
    config = {
        **DEFAULTS,
        "SITE_URL": "https://massage.example",
        "BOOKING_URL": "https://www.vagaro.com/reachforserenity",
    }
    assert check_booking_url(config).ok
    assert check_site_url(config).ok
    # Without SITE_URL, only the address's form and examples can be checked.
    assert check_booking_url({**config, "SITE_URL": ""}).ok
