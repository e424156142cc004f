"""The owner's password commands: set-password and the first-run password."""

import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from .conftest import create_migrated_database, log_in

PROJECT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "gentle pressure, steady breath"


def _stored_hash(database_path):
    """The password hash in the meta table, or None."""
    conn = sqlite3.connect(database_path)
    try:
        row = conn.execute(
            "SELECT value FROM meta WHERE key = 'owner_password_hash'"
        ).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


# --- set-password ---------------------------------------------------------------


def test_set_password_reads_a_piped_password(runner, client, database_path):
    result = runner.invoke(args=["set-password"], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Owner password set" in result.output
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_set_password_prompts_twice(runner, client, database_path):
    result = runner.invoke(
        args=["set-password", "--prompt"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "New owner password" in result.output
    assert "Repeat it" in result.output
    assert NEW_PASSWORD not in result.output
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_set_password_asks_again_when_the_two_differ(runner, client, database_path):
    result = runner.invoke(
        args=["set-password", "--prompt"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}!\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_stored_value_is_a_scrypt_hash_not_the_password(runner, database_path):
    runner.invoke(args=["set-password"], input=NEW_PASSWORD + "\n")
    stored = _stored_hash(database_path)
    assert stored.startswith("scrypt:")
    assert NEW_PASSWORD not in stored
    assert check_password_hash(stored, NEW_PASSWORD)
    assert NEW_PASSWORD.encode() not in database_path.read_bytes()
    wal = Path(f"{database_path}-wal")
    if wal.exists():
        assert NEW_PASSWORD.encode() not in wal.read_bytes()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "The password is empty."),
        ("    ", "The password is empty."),
        (
            "short one",
            "The password is too short: use at least 15 characters "
            "(four unrelated words make a good one).",
        ),
        ("x" * 300, "The password is too long: use at most 256 characters."),
    ],
    ids=["empty", "blank", "short", "long"],
)
def test_set_password_refuses_weak_passwords_clearly(
    runner, database_path, typed, message
):
    result = runner.invoke(args=["set-password"], input=typed + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was changed." in result.output
    assert result.output == f"Error: {message} Nothing was changed.\n"
    assert _stored_hash(database_path) is None


def test_set_password_refuses_an_empty_prompt_answer(runner, database_path):
    result = runner.invoke(args=["set-password", "--prompt"], input="\n\n")
    assert result.exit_code == 1
    assert "The password is empty." in result.output
    assert result.output.splitlines()[-1] == (
        "Error: The password is empty. Nothing was changed."
    )
    assert _stored_hash(database_path) is None


def test_set_password_replaces_the_old_one(runner, client, owner_password):
    runner.invoke(args=["set-password"], input=NEW_PASSWORD + "\n")
    assert log_in(client, owner_password).status_code == 401
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_set_password_help_has_an_example(runner):
    result = runner.invoke(args=["set-password", "--help"])
    assert "Example:" in result.output
    assert "flask --app webapp set-password" in result.output


def test_set_password_on_an_unmigrated_database_says_so(tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "new.db")})
    result = app.test_cli_runner().invoke(
        args=["set-password"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert "flask --app webapp migrate" in result.output
    assert result.output == (
        f"Error: database {tmp_path / 'new.db'} does not exist yet: "
        "run `flask --app webapp migrate`\n"
    )
    assert not (tmp_path / "new.db").exists()  # nothing half-made left behind


def _flask(database_path, *args, **kwargs):
    """Run ``flask --app webapp ARGS`` as the owner would, in a subprocess."""
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "test-secret-key-not-for-production",
        "FLASK_DATABASE": str(database_path),
    }
    flask = str(Path(sys.executable).parent / "flask")
    return [flask, "--app", "webapp", *args], env


def test_set_password_from_a_real_pipe(database_path):
    command, env = _flask(database_path, "set-password")
    result = subprocess.run(
        command,
        input=NEW_PASSWORD + "\n",
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert check_password_hash(_stored_hash(database_path), NEW_PASSWORD)


def test_set_password_on_a_terminal_prompts_without_echo(database_path):
    command, env = _flask(database_path, "set-password")
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        command,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        cwd=PROJECT,
        close_fds=True,
    )
    os.close(secondary)
    seen = b""

    def read_until(text):
        nonlocal seen
        deadline = time.monotonic() + 20
        while text.encode() not in seen:
            assert time.monotonic() < deadline, f"no {text!r} in {seen!r}"
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(main, 1024)
                except OSError:
                    break  # the command closed its terminal
        assert text.encode() in seen, f"no {text!r} in {seen!r}"

    try:
        read_until("New owner password")
        os.write(main, (NEW_PASSWORD + "\n").encode())
        read_until("Repeat it")
        os.write(main, (NEW_PASSWORD + "\n").encode())
        read_until("Owner password set")
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    assert NEW_PASSWORD.encode() not in seen
    assert check_password_hash(_stored_hash(database_path), NEW_PASSWORD)


# --- The first-run password of `make run` ------------------------------------------

PRINTED_PASSWORD = re.compile(r"Owner password: (\S+)")


def test_first_run_prints_a_new_password_once_and_only_once(
    runner, client, database_path
):
    first = runner.invoke(
        args=["init-password", "--url", "http://127.0.0.1:5000/stats"]
    )
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:5000/stats" in first.output
    assert "shown only this once" in first.output
    password = PRINTED_PASSWORD.search(first.output).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){4}", password)

    stored = _stored_hash(database_path)
    assert stored.startswith("scrypt:")
    assert password not in stored

    second = runner.invoke(args=["init-password"])
    assert second.exit_code == 0
    assert second.output == ""
    assert _stored_hash(database_path) == stored

    # The printed password is the one that works.
    assert log_in(client, password).status_code == 302


def test_first_run_leaves_a_chosen_password_alone(runner, database_path, client):
    runner.invoke(args=["set-password"], input=NEW_PASSWORD + "\n")
    result = runner.invoke(args=["init-password"])
    assert result.output == ""
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_first_run_passwords_differ_between_databases(tmp_path):
    from webapp import create_app

    printed = []
    for name in ("one.db", "two.db"):
        create_migrated_database(tmp_path / name)
        app = create_app({"TESTING": True, "DATABASE": str(tmp_path / name)})
        output = app.test_cli_runner().invoke(args=["init-password"]).output
        printed.append(PRINTED_PASSWORD.search(output).group(1))
    assert printed[0] != printed[1]


def test_makefile_run_creates_the_password_after_migrating():
    makefile = (PROJECT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    migrate = run.index("$(FLASK) migrate")
    init = run.index("$(FLASK) init-password --url http://$(HOST):$(PORT)/stats")
    assert migrate < init < run.index("gunicorn")
