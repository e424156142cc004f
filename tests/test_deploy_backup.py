"""Nightly backups and restores with the shipped scripts, while the site serves."""

import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from werkzeug.security import generate_password_hash

from .conftest import store_owner_password
from .servers import (
    DEPLOY,
    FLASK,
    GOOD_KEY,
    PROJECT_ROOT,
    Gunicorn,
    migrated_database,
    production_env,
    request,
    run,
)

TOTALS = ("page_views", "unique_visitors", "booking_clicks", "unique_clickers")


def stats(database, cwd):
    """`flask --app webapp stats --json` on a database file."""
    result = run(
        [FLASK, "--app", "webapp", "stats", "--json"], production_env(database), cwd
    )
    return json.loads(result.stdout)


def backups(folder):
    """The backup files in ``folder``, oldest first."""
    return sorted(path.name for path in Path(folder).glob("data-*.db"))


def click(port, placement, count):
    """Press a booking button ``count`` times; every press must redirect."""
    for _ in range(count):
        assert request(port, f"/book?from={placement}").status == 302


def test_backup_and_restore_round_trip_while_serving(served, tmp_path):
    for _ in range(3):
        assert request(served.port, "/").status == 200
    click(served.port, "footer", 4)
    click(served.port, "header", 2)
    live = stats(served.database, tmp_path)
    assert (live["page_views"], live["booking_clicks"]) == (3, 6)

    # Back up while the site keeps answering (health checks write nothing,
    # so the copy must match the live totals exactly).
    stop = threading.Event()
    answered = []

    def keep_serving():
        while not stop.is_set():
            answered.append(request(served.port, "/healthz").status)

    thread = threading.Thread(target=keep_serving)
    thread.start()
    try:
        run(
            [DEPLOY / "backup.sh", tmp_path / "backups", 3],
            production_env(served.database),
            tmp_path,
        )
    finally:
        stop.set()
        thread.join(timeout=30)
    assert answered and set(answered) == {200}
    [name] = backups(tmp_path / "backups")
    backup = tmp_path / "backups" / name

    # Clicks after the backup are in the live database only.
    click(served.port, "footer", 2)
    assert stats(served.database, tmp_path)["booking_clicks"] == 8

    restored = tmp_path / "restored" / "data.db"
    restored.parent.mkdir()
    result = run(
        [DEPLOY / "restore.sh", backup, restored], production_env(restored), tmp_path
    )
    assert f"restored {backup} to {restored}" in result.stdout
    restored_totals = stats(restored, tmp_path)
    for key in (*TOTALS, "filtered"):
        assert restored_totals[key] == live[key], key

    # The restored database passes the start-up checks and serves.
    env = production_env(restored)
    assert (
        "All checks passed"
        in run([FLASK, "--app", "webapp", "check"], env, tmp_path).stdout
    )
    with Gunicorn(env, tmp_path, tmp_path / "restored.log") as again:
        assert request(again.port, "/healthz").text == "ok\n"
        click(again.port, "footer", 1)
    assert stats(restored, tmp_path)["booking_clicks"] == 7


def test_backup_during_a_burst_of_clicks_is_a_consistent_snapshot(served, tmp_path):
    click(served.port, "footer", 5)
    stop = threading.Event()
    redirects = []

    def keep_clicking():
        while not stop.is_set() and len(redirects) < 2000:
            redirects.append(request(served.port, "/book?from=article-end").status)

    thread = threading.Thread(target=keep_clicking)
    thread.start()
    try:
        before = len(redirects)
        run(
            [DEPLOY / "backup.sh", tmp_path / "backups"],
            production_env(served.database),
            tmp_path,
        )
        after = len(redirects)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert set(redirects) == {302}
    [name] = backups(tmp_path / "backups")
    copied = stats(tmp_path / "backups" / name, tmp_path)["booking_clicks"]
    # Clicks in flight at either edge may fall on either side of the snapshot.
    assert 5 + before - 1 <= copied <= 5 + after + 1
    assert stats(served.database, tmp_path)["booking_clicks"] == 5 + len(redirects)


def _fake_backup(path):
    """A small valid SQLite file standing in for an old nightly copy."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE old (x)")
    conn.close()


def test_backup_script_names_copies_by_date_and_keeps_the_newest(tmp_path):
    database = migrated_database(tmp_path)
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("2020-01-01", "2020-01-02", "2020-01-03"):
        _fake_backup(folder / f"data-{day}-033000.db")
    (folder / "notes.txt").write_text("not a backup")

    result = run([DEPLOY / "backup.sh", folder, 2], production_env(database), tmp_path)

    kept = backups(folder)
    assert len(kept) == 2
    assert kept[0] == "data-2020-01-03-033000.db"
    assert kept[1] > "data-2020-"  # today's, named data-YYYY-MM-DD-HHMMSS.db
    assert len(kept[1]) == len("data-2025-03-18-033000.db")
    assert (folder / "notes.txt").exists()
    assert result.stdout.count("removed the old copy") == 2
    assert list(folder.glob(".*")) == [], "no partial file may be left behind"


def test_a_failed_backup_exits_non_zero_and_deletes_nothing(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("2020-01-01", "2020-01-02"):
        _fake_backup(folder / f"data-{day}-033000.db")
    env = production_env(tmp_path / "missing.db")
    result = run([DEPLOY / "backup.sh", folder, 1], env, tmp_path, check=False)
    assert result.returncode != 0
    assert result.returncode == 1
    # What the journal shows the owner: flask's reason, nothing more.
    missing = (tmp_path / "missing.db").resolve()
    assert result.stderr == f"Error: No database at {missing}.\n"
    assert backups(folder) == ["data-2020-01-01-033000.db", "data-2020-01-02-033000.db"]


@pytest.mark.parametrize("keep", ["0", "-1", "many"])
def test_backup_script_refuses_a_bad_keep_count(tmp_path, keep):
    database = migrated_database(tmp_path)
    result = run(
        [DEPLOY / "backup.sh", tmp_path / "b", keep],
        production_env(database),
        tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "KEEP must be a whole number" in result.stderr
    assert result.stderr == "backup.sh: KEEP must be a whole number of at least 1\n"


def test_restore_refuses_a_broken_backup_and_changes_nothing(tmp_path):
    database = migrated_database(tmp_path)
    before = database.read_bytes()
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    result = run(
        [DEPLOY / "restore.sh", broken, database],
        production_env(database),
        tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "is not a usable database" in result.stderr
    assert result.stderr == (
        f"restore.sh: {broken} is not a usable database "
        "(file is not a database); nothing changed\n"
    )
    assert database.read_bytes() == before


def test_restore_keeps_the_database_it_replaces(tmp_path):
    database = migrated_database(tmp_path)
    old = database.read_bytes()
    backup = tmp_path / "backup.db"
    _fake_backup(backup)
    run([DEPLOY / "restore.sh", backup, database], production_env(database), tmp_path)
    assert database.read_bytes() == backup.read_bytes()
    [kept] = tmp_path.glob("data.db.before-restore-*")
    assert kept.read_bytes() == old


# What the site needs at run time, copied from this checkout.
SITE_FOLDERS = ("webapp", "content", "templates", "static", "deploy")
# The flask command as pip writes it into a venv's bin/.
FLASK_SCRIPT = """#!{python}
import sys

from flask.cli import main

sys.exit(main())
"""


def as_user(user, command):
    """``command`` run as ``user`` (as manage.sh switches, when we are root)."""
    if os.geteuid() != 0:
        return list(command)
    gid = str(pwd.getpwnam(user).pw_gid)
    return ["setpriv", f"--reuid={user}", f"--regid={gid}", "--init-groups", *command]


def python_for(user):
    """A Python of our version that ``user`` can run and read in full.

    Ours may live in a home only we can enter (pyenv under /root), so the
    system's (Debian's python3, as the deploy guide installs it) comes next.
    The probe goes through sh, so the interpreter is found with the user's
    permissions alone (setpriv itself still holds root's while it executes).
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    probe = "import sys; print(sys.version_info[:2], sys.base_prefix)"
    candidates = [
        Path(prefix) / f"bin/python{version}"
        for prefix in (sys.base_prefix, "/usr", "/usr/local")
    ]
    for python in candidates:
        command = ["/bin/sh", "-c", 'exec "$0" "$@"', python, "-c", probe]
        ours = run(command, {"PATH": os.environ["PATH"]}, "/", check=False)
        theirs = run(
            as_user(user, command), {"PATH": "/usr/bin:/bin"}, "/", check=False
        )
        if ours.returncode == 0 and theirs.stdout == ours.stdout:
            return python
    pytest.fail(f"{user} can run none of {candidates}: manage.sh cannot work here")


def site_distributions():
    """The installed packages the site runs on: its dependencies, recursively."""
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    todo = list(pyproject["project"]["dependencies"])
    found = {}
    while todo:
        requirement = Requirement(todo.pop())
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            found[name] = metadata.distribution(name)
            todo.extend(found[name].requires or [])
    return found.values()


def install_site(python, target):
    """This checkout's site in ``target`` with its own venv, as deployed.

    Nothing points back into the checkout, which another user may not be able
    to enter (a clone in a 0700 temporary folder).
    """
    for name in SITE_FOLDERS:
        shutil.copytree(
            PROJECT_ROOT / name,
            target / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    venv = target / ".venv"
    subprocess.run([python, "-m", "venv", "--without-pip", venv], check=True)
    site_packages = Path(
        subprocess.run(
            [
                venv / "bin/python",
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    for distribution in site_distributions():
        root = Path(distribution.locate_file(""))
        for file in distribution.files or ():
            source = root / file
            if ".." in file.parts or "__pycache__" in file.parts:
                continue  # console scripts (in bin/), bytecode (made on use)
            if not source.is_file():
                continue  # listed at install, removed since
            (site_packages / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, site_packages / file)
    # pip install -e . in short: the code on the path, and the flask command.
    (site_packages / "webapp.pth").write_text(f"{target}\n")
    (venv / "bin/flask").write_text(FLASK_SCRIPT.format(python=venv / "bin/python"))
    (venv / "bin/flask").chmod(0o755)
    # Readable by everyone, whatever our umask: the site's user must read it all.
    for path in [target, *target.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & 0o100
        path.chmod(0o755 if executable else 0o644)


@pytest.fixture
def open_folder():
    """A folder that another user can reach (pytest's tmp_path is private)."""
    folder = Path(tempfile.mkdtemp(prefix="webapp-manage-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_manage_script_runs_owner_commands_as_the_site_user(open_folder):
    # As root (the VPS case) the command runs as another user; otherwise as us.
    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    site = open_folder / "site"
    install_site(python_for(user), site)
    manage = site / "deploy/manage.sh"
    state = open_folder / "state"
    state.mkdir()
    state.chmod(0o777)
    env_file = open_folder / "env"
    env_file.write_text(
        "# as in deploy/env.example\n"
        f"FLASK_SECRET_KEY={GOOD_KEY}\n"
        f"FLASK_DATABASE={state}/data.db\n"
        'FLASK_PRACTICE_NAME="Calm Hands Massage"\n'
    )
    env_file.chmod(0o600)
    env = {
        "PATH": os.environ["PATH"],
        "WEBAPP_ENV_FILE": str(env_file),
        "WEBAPP_USER": user,
    }
    run([manage, "migrate"], env, "/")
    database = state / "data.db"
    assert pwd.getpwuid(database.stat().st_uid).pw_name == user
    assert database.stat().st_mode & 0o077 == 0, "owner commands create private files"
    checked = run([manage, "check"], env, "/")
    assert "All checks passed" in checked.stdout
    missing = run(
        [manage, "check"],
        {**env, "WEBAPP_ENV_FILE": str(open_folder / "nope")},
        "/",
        check=False,
    )
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr
    assert missing.stderr == (
        f"manage.sh: cannot read {open_folder / 'nope'} (run with sudo?)\n"
    )


def _owner_copy(tmp_path, name, password):
    """A migrated database with an owner password, standing in for a backup."""
    folder = tmp_path / name
    folder.mkdir()
    database = migrated_database(folder)
    store_owner_password(database, password)
    return database


def restore(tmp_path, backup, database):
    """Run restore.sh as the deploy helper does; its result."""
    return run(
        [DEPLOY / "restore.sh", backup, database], production_env(database), tmp_path
    )


def test_restoring_the_sites_own_copy_warns_of_nothing(tmp_path):
    live = _owner_copy(tmp_path, "live", "correct horse battery staple")
    backup = tmp_path / "backup.db"
    run([FLASK, "--app", "webapp", "backup", backup], production_env(live), tmp_path)
    result = restore(tmp_path, backup, live)
    assert "warning" not in result.stderr
    assert f"restored {backup} to {live}" in result.stdout


def test_a_copy_with_a_trigger_added_by_hand_is_restored_with_a_warning(tmp_path):
    live = _owner_copy(tmp_path, "live", "correct horse battery staple")
    backup = tmp_path / "backup.db"
    run([FLASK, "--app", "webapp", "backup", backup], production_env(live), tmp_path)
    conn = sqlite3.connect(backup)
    conn.execute(
        "CREATE TRIGGER forge AFTER INSERT ON events BEGIN"
        " INSERT INTO events SELECT * FROM events; END"
    )
    conn.execute("CREATE VIEW peek AS SELECT * FROM meta")
    conn.commit()
    conn.close()
    result = restore(tmp_path, backup, live)
    assert "restore.sh: warning: the copy holds a trigger “forge”" in result.stderr
    assert "restore.sh: warning: the copy holds a view “peek”" in result.stderr
    assert "that the site does not make" in result.stderr
    assert database_bytes_equal(live, backup)


def test_a_copy_with_another_or_a_foreign_password_is_restored_with_a_warning(
    tmp_path,
):
    live = _owner_copy(tmp_path, "live", "correct horse battery staple")
    other = _owner_copy(tmp_path, "other", "a different long passphrase")
    result = restore(tmp_path, other, live)
    assert "the copy's owner password is not the one in use now" in result.stderr

    weak = _owner_copy(tmp_path, "weak", "a different long passphrase")
    conn = sqlite3.connect(weak)
    conn.execute(
        "UPDATE meta SET value = ? WHERE key = 'owner_password_hash'",
        [generate_password_hash("guess", method="pbkdf2:sha1:1")],
    )
    conn.commit()
    conn.close()
    result = restore(tmp_path, weak, live)
    assert (
        "restore.sh: warning: the copy's owner password is not stored as this site"
        " does: set a new one after the restore with"
        " `flask --app webapp set-password`" in result.stderr
    )
    assert database_bytes_equal(live, weak)


def database_bytes_equal(database, backup):
    """True when the restored database is the backup, byte for byte."""
    return Path(database).read_bytes() == Path(backup).read_bytes()
