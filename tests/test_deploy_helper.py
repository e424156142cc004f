"""deploy/webapp, used as the owner would: with sudo, from any folder.

Each test builds a server under a temporary root (tests/test_deploy_machine.py):
real git with a bare repository standing in for the hosted one, real sudo
with a user created for the test, a real gunicorn started from the installed
unit's own ExecStart by the stand-in systemctl.
"""

import html
import http.client
import importlib.util
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from webapp.core.checks import check_secret_key

from .servers import PROJECT_ROOT, free_port
from .test_deploy_machine import sh

MARKER_TWO = "Release marker two, newer than the first."


def ok(result):
    """The command succeeded; its output."""
    journal = getattr(result, "journal", "")
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{journal}"
    return result.stdout


def refused(result, words):
    """The command stopped with one line containing ``words`` and a non-zero exit."""
    assert result.returncode != 0, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0]
    assert lines[0].startswith("webapp ")
    return lines[0]


def installed(machine, cwd, **settings):
    """The site set up and installed, by the helper only, from ``cwd``."""
    ok(machine.helper("setup", cwd=cwd))
    for name, value in {
        "FLASK_SITE_URL": "https://massage.test",
        "WEBAPP_ACME_EMAIL": "owner@massage.test",
        "WEBAPP_BIND": f"127.0.0.1:{free_port()}",
        **settings,
    }.items():
        ok(machine.helper("set", name, value, cwd=cwd))
    ok(machine.helper("install", cwd=cwd))
    return machine


@pytest.mark.parametrize("cwd", ["/", "/root"])
def test_install_upgrade_rollback_and_back_to_newest_under_sudo(machine, cwd):
    one = installed(machine, cwd).head()
    unit = machine.units / "webapp.service"
    assert f"ExecStart={machine.app}/.venv/bin/gunicorn" in unit.read_text()
    caddyfile = (machine.root / "etc" / "caddy" / "Caddyfile").read_text()
    assert "\nmassage.test {" in caddyfile
    assert "email owner@massage.test" in caddyfile
    assert f"root * {machine.app}/static" in caddyfile
    assert "Reach for Serenity" in machine.page()
    assert MARKER_TWO not in machine.page()

    two = machine.release("release two", MARKER_TWO, unit_comment="release two")

    # An owner's edit to a tracked file: refused before anything changes.
    conf = machine.app / "deploy" / "gunicorn.conf.py"
    conf.write_text(conf.read_text() + "workers = 5\n")
    before = machine.snapshot()
    refused(machine.helper("upgrade", cwd=cwd), "local changes")
    assert machine.snapshot() == before
    assert MARKER_TWO not in machine.page()
    sh("git", "-C", machine.app, "checkout", "--", "deploy/gunicorn.conf.py")

    # The hosted repository unreachable: refused, nothing changed.
    machine.origin.rename(machine.base / "gone.git")
    refused(machine.helper("upgrade", cwd=cwd), "cannot fetch")
    assert machine.snapshot() == before
    (machine.base / "gone.git").rename(machine.origin)

    ok(machine.helper("upgrade", cwd=cwd))
    assert machine.head() == two
    assert "# release two" in unit.read_text()
    assert MARKER_TWO in machine.page()
    recorded = (machine.root / "etc" / "webapp" / "before-upgrade").read_text()
    assert recorded.startswith(f"{one} main data-")
    assert "deploy/webapp.service" in ok(machine.helper("changes", cwd=cwd))

    ok(machine.helper("rollback", cwd=cwd))
    assert machine.head() == one
    assert "# release two" not in unit.read_text()
    assert MARKER_TWO not in machine.page()
    refused(machine.helper("upgrade", cwd=cwd), "newest")

    ok(machine.helper("newest", cwd=cwd))
    assert machine.head() == two
    assert "# release two" in unit.read_text()
    assert MARKER_TWO in machine.page()


MIGRATION = """

@migrations()
def m999_gift_cards(db):
    \"\"\"A table the release before it does not know (the test's).\"\"\"
    db["gift_cards"].create({"code": str}, pk="code")
"""


def last_line(result):
    """The command's last line of output (what it says it did), printed."""
    line = ok(result).strip().splitlines()[-1]
    print(line)
    return line


def backup_named(machine, line):
    """The backup file a line names, which must exist."""
    [name] = [w.rstrip(";,.") for w in line.split() if "/backups/data-" in w]
    assert Path(name).is_file(), name
    return Path(name).name


def test_changes_upgrade_rollback_and_newest_say_what_they_did(machine):
    one = installed(machine, "/").head()
    short_one = one[:7]
    # A release with a schema step and a deploy file upgrades do not install.
    with (machine.work / "webapp" / "core" / "migrations.py").open("a") as code:
        code.write(MIGRATION)
    litestream = machine.work / "deploy" / "litestream.service"
    litestream.write_text(litestream.read_text() + "# release two\n")
    two = machine.release("Gift cards for release two", MARKER_TWO)

    # Before the upgrade: what it would change, fetched but nothing moved.
    before = machine.snapshot()
    preview = ok(machine.helper("changes", cwd="/root"))
    print(preview)
    assert "Gift cards for release two" in preview
    assert "webapp/core/migrations.py" in preview
    assert "not installed: deploy/litestream.service" in preview
    assert "nothing changed" in preview.strip().splitlines()[-1]
    assert machine.snapshot() == before

    line = last_line(machine.helper("upgrade"))
    assert f"upgraded from {short_one} to {two[:7]}" in line
    upgrade_backup = backup_named(machine, line)
    assert (machine.state / "backups" / upgrade_backup).is_file()
    after = ok(machine.helper("changes"))
    print(after)
    assert "Gift cards for release two" in after
    assert "not installed: deploy/litestream.service" in after
    assert "what the last upgrade changed" in after.strip().splitlines()[-1]

    # Back to release one: the database keeps m999, which it says, naming
    # the backup taken before the upgrade.
    result = machine.helper("rollback")
    line = last_line(result)
    assert machine.head() == one
    assert f"rolled back to {short_one}" in line
    print(result.stderr)
    assert "newer schema than this code (m999_gift_cards)" in result.stderr
    assert f"webapp restore {upgrade_backup}" in result.stderr

    # newest: like an upgrade, a backup first and the version it replaces recorded.
    line = last_line(machine.helper("newest"))
    assert machine.head() == two
    newest_backup = backup_named(machine, line)
    recorded = (machine.root / "etc" / "webapp" / "before-upgrade").read_text()
    assert recorded == f"{one} main {newest_backup}\n"
    # Up to date: newest backs up nothing and says so.
    assert "already the newest version" in last_line(machine.helper("newest"))


def stored_hash(machine):
    """The owner's password hash in the site's database, read as its user."""
    query = "SELECT value FROM meta WHERE key = 'owner_password_hash'"
    database = machine.state / "data.db"
    read = sh("runuser", "-u", "webapp", "--", "sqlite3", database, query)
    return read.stdout.strip()


def test_password_and_unlock_run_as_the_site_user(machine):
    installed(machine, "/")
    helper = f"sudo {machine.app}/deploy/webapp"
    password = "four unrelated words for the test"
    line = last_line(machine.as_owner(f"echo '{password}' | {helper} password"))
    assert line.startswith("webapp password: password changed")
    assert check_password_hash(stored_hash(machine), password)
    short = machine.as_owner(f"echo short | {helper} password")
    assert short.returncode != 0
    assert "Nothing was changed" in short.stderr
    assert check_password_hash(stored_hash(machine), password)
    line = last_line(machine.helper("unlock", cwd="/root"))
    assert line.startswith("webapp unlock: every browser may try to sign in again")
    # Written as the site's user: no file of root's beside the database.
    site_uid = machine.state.stat().st_uid
    assert all(p.stat().st_uid == site_uid for p in machine.state.glob("data.db*"))
    refused(machine.as_owner(f"{machine.app}/deploy/webapp unlock"), "needs root")


def test_backup_list_and_restore_under_sudo(machine):
    installed(machine, "/")
    ok(machine.helper("backup"))
    listing = ok(machine.helper("backups"))
    [name] = [word for word in listing.split() if word.startswith("data-")]
    ok(machine.helper("restore", name, cwd="/root"))
    kept = list(machine.state.glob("data.db.before-restore-*"))
    assert kept, "the replaced database must be kept beside it"
    assert machine.page("/healthz") == "ok\n"
    assert "stop webapp" in machine.calls()
    # A copy from elsewhere, readable by root only: copied in as the site's.
    outside = machine.base / "outside"
    outside.mkdir(mode=0o700)
    copy = outside / "data-2000-01-01-000000.db"
    copy.write_bytes((machine.state / "backups" / name).read_bytes())
    copy.chmod(0o600)
    ok(machine.helper("restore", copy, cwd="/root"))
    copied = (machine.state / "backups" / copy.name).stat()
    assert copied.st_uid == machine.state.stat().st_uid != 0
    assert copied.st_mode & 0o777 == 0o600
    assert machine.page("/healthz") == "ok\n"
    refused(machine.helper("restore", "data-1999-01-01-000000.db"), "no such backup")


def test_restore_finds_a_name_in_this_folder_and_checks_it_before_stopping(machine):
    result = installed(machine, "/").helper("install")
    # No DNS for the test's domain: a warning, never a refusal.
    assert "warning: massage.test does not resolve" in ok(result) + result.stderr
    ok(machine.helper("backup"))
    [good] = (machine.state / "backups").glob("data-*.db")
    here = machine.base / "downloads"
    here.mkdir()
    sh("chown", machine.owner, here)
    # A damaged file typed by name in its folder: refused before the site stops,
    # and its copy is not left among the backups.
    damaged = here / "data-2000-01-02-000000.db"
    damaged.write_bytes(b"not a database at all" * 100)
    calls_before = len(machine.calls())
    line = refused(machine.helper("restore", damaged.name, cwd=here), "not a usable")
    print(line)
    assert "stop webapp" not in machine.calls()[calls_before:]
    assert not (machine.state / "backups" / damaged.name).exists()
    assert machine.page("/healthz") == "ok\n"
    # A good one: the file in this folder, not a backup of that name.
    copy = here / "data-2000-01-03-000000.db"
    copy.write_bytes(good.read_bytes())
    said = ok(machine.helper("restore", copy.name, cwd=here))
    print(said)
    assert f"using {copy}, the file of that name in this folder" in said
    assert (machine.state / "backups" / copy.name).is_file()
    assert machine.page("/healthz") == "ok\n"


def test_every_command_needs_root_and_says_so_in_one_line(machine):
    for command in ("setup", "install", "upgrade", "rollback", "newest", "backups"):
        result = machine.as_owner(f"{machine.app}/deploy/webapp {command}")
        refused(result, "needs root: put sudo in front")


def test_install_refuses_the_example_address_in_one_line(machine):
    ok(machine.helper("setup"))
    refused(machine.helper("install"), "FLASK_SITE_URL 'https://example.com' is still")
    assert not (machine.root / "etc" / "caddy" / "Caddyfile").exists()
    refused(machine.helper("set", "FLASK_NO_SUCH", "1"), "not a setting")


def test_install_puts_the_nginx_site_in_place_when_asked(machine):
    nginx = machine.root / "etc" / "nginx"
    (nginx / "sites-available").mkdir(parents=True)
    (nginx / "sites-enabled").mkdir()
    (nginx / "sites-enabled" / "default").symlink_to("/etc/nginx/sites-available/x")
    installed(machine, "/root", WEBAPP_PROXY="nginx")
    site = (nginx / "sites-available" / "webapp").read_text()
    assert "example.com" not in site
    assert "server_name massage.test www.massage.test;" in site
    assert "/etc/letsencrypt/live/massage.test/fullchain.pem" in site
    assert f"alias {machine.app}/static/;" in site
    assert f"server {machine.bind()};" in site
    assert "error_log /var/log/nginx/webapp.error.log crit;" in site
    enabled = nginx / "sites-enabled"
    assert (enabled / "webapp").resolve() == (nginx / "sites-available" / "webapp")
    assert not (enabled / "default").is_symlink()
    assert "reload-or-restart nginx" in machine.calls()
    assert not (machine.root / "etc" / "caddy" / "Caddyfile").exists()


def test_setup_makes_a_secret_key_the_checks_accept(machine):
    ok(machine.helper("setup", cwd="/root"))
    key = machine.setting("FLASK_SECRET_KEY")
    assert check_secret_key({"SECRET_KEY": key}).ok
    assert (machine.env_file.stat().st_mode & 0o777) == 0o600
    ok(machine.helper("setup"))
    assert machine.setting("FLASK_SECRET_KEY") == key, "setup must never replace it"


def test_an_upgrade_without_unit_changes_reloads_gracefully(machine):
    installed(machine, "/")
    # The owner's saved words (issue 31) live in the database: shown at once,
    # and still shown, and still listed, after the upgrade.
    words = machine.base / "words"
    words.mkdir(mode=0o755)
    (words / "practice.yaml").write_text("name: Calm Hands Massage\n")
    (words / "practice.yaml").chmod(0o644)
    ok(manage(machine, f"content save {words / 'practice.yaml'} --note 'Our name'"))
    assert machine.wait_for_page("Calm Hands Massage")
    three = machine.release("release three", "Release marker three, code only.")
    calls_before = len(machine.calls())
    ok(machine.helper("upgrade", cwd="/root"))
    assert machine.head() == three
    calls = machine.calls()[calls_before:]
    assert "reload webapp" in calls
    assert "restart webapp" not in calls
    # Old workers finish their requests while new ones start: wait for a new one.
    assert machine.wait_for_page("Release marker three, code only.")
    assert "Calm Hands Massage" in machine.page()
    assert "Our name" in ok(manage(machine, "content history"))


def booking_target(machine):
    """Where the served site's /book redirects to (the redirect not followed)."""
    connection = http.client.HTTPConnection(machine.bind(), timeout=10)
    try:
        connection.request("GET", "/book")
        response = connection.getresponse()
        assert response.status == 302
        return response.getheader("Location")
    finally:
        connection.close()


def test_a_changed_setting_takes_effect_on_install_and_an_unchanged_one_reloads(
    machine,
):
    installed(machine, "/")
    vagaro = "https://www.vagaro.com/reachforserenity/book-now"
    assert booking_target(machine) != vagaro
    said = ok(machine.helper("set", "FLASK_BOOKING_URL", vagaro))
    assert "run `sudo" in said and "install` to apply it" in said
    calls_before = len(machine.calls())
    result = machine.helper("install", cwd="/root")
    lines = ok(result).strip().splitlines()
    print(lines[-1])
    assert lines[-1].startswith("webapp install: restarted the site")
    assert "changed settings" in lines[-1]
    assert "restart webapp" in machine.calls()[calls_before:]
    assert booking_target(machine) == vagaro

    # Nothing changed since: a graceful reload, and it says so.
    calls_before = len(machine.calls())
    lines = ok(machine.helper("install")).strip().splitlines()
    print(lines[-1])
    assert lines[-1].startswith("webapp install: reloaded the site gracefully")
    calls = machine.calls()[calls_before:]
    assert "reload webapp" in calls
    assert "restart webapp" not in calls
    assert booking_target(machine) == vagaro


# --- The env file: read as systemd reads it, never run (issue 25) -------------


def envfile_module():
    """deploy/envfile.py, the one reader of the env file."""
    path = PROJECT_ROOT / "deploy" / "envfile.py"
    spec = importlib.util.spec_from_file_location("envfile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manage(machine, command):
    """``sudo /srv/webapp/deploy/manage.sh COMMAND`` typed by the owner."""
    return machine.as_owner(
        f"sudo WEBAPP_ENV_FILE={machine.env_file} {machine.app}/deploy/manage.sh "
        + command
    )


def read_as_systemd(text):
    """The settings ``text`` gives, by deploy/envfile.py (the last name wins)."""
    return {name: value for name, value, *_lines in envfile_module().parse(text)}


def test_the_reader_takes_every_line_systemd_takes():
    # Expected values follow systemd's parser (src/basic/env-file.c).
    text = (
        "# a comment\n"
        "; another, as systemd allows\n"
        "   # an indented one\n"
        "\n"
        "FLASK_PRACTICE_NAME=Reach for Serenity\n"
        "FLASK_PRACTICE_CITY=It's Massage Time  \n"
        "FLASK_LOCALE= en_GB\n"
        "  FLASK_TIME_ZONE =\tEurope/London\n"
        "FLASK_PRACTICE_PHONE='+1  555 0100'\n"
        'FLASK_MAIL_DEFAULT_SENDER="Calm \\"Hands\\" <a@b.example> \\\\ \\$HOME"\n'
        "FLASK_PRACTICE_ADDRESS=1 Main \\\nStreet\n"
        "FLASK_DIGEST_TO=\n"
        "FLASK_CURRENCY=USD\n"
        "FLASK_CURRENCY=EUR\n"
        "FLASK_DATE_ORDER=DMY"
    )
    expected = {
        "FLASK_PRACTICE_NAME": "Reach for Serenity",
        "FLASK_PRACTICE_CITY": "It's Massage Time",
        "FLASK_LOCALE": "en_GB",
        "FLASK_TIME_ZONE": "Europe/London",
        "FLASK_PRACTICE_PHONE": "+1  555 0100",
        "FLASK_MAIL_DEFAULT_SENDER": 'Calm "Hands" <a@b.example> \\ $HOME',
        "FLASK_PRACTICE_ADDRESS": "1 Main Street",
        "FLASK_DIGEST_TO": "",
        "FLASK_CURRENCY": "EUR",
        "FLASK_DATE_ORDER": "DMY",
    }
    assert read_as_systemd(text) == expected
    # Windows line endings: the same values, never a carriage return in one
    # (systemd ends a line at either; a backslash then joins nothing).
    lines = text.replace("FLASK_PRACTICE_ADDRESS=1 Main \\\nStreet\n", "")
    del expected["FLASK_PRACTICE_ADDRESS"]
    assert read_as_systemd(lines.replace("\n", "\r\n")) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "A=1\nReach for Serenity\n",
            "line 2 (“Reach for Serenity”) is not NAME=value",
        ),
        ("A=1\n\nexport FLASK_LOCALE=en_GB\n", "line 3: remove “export ”"),
        ("FLASK_PRACTICE_NAME='It's Massage Time'\n", "line 1: text after the closing"),
        ("A=1\nFLASK_PRACTICE_NAME='It\n", "line 2: a quote opened here"),
        ('A=1\nFLASK_PRACTICE_NAME="Reach\nB=2\n', "line 2: a quote opened here"),
        ("FLASK PRACTICE=1\n", "line 1: “FLASK PRACTICE” is not a setting's name"),
        ("A=1\nB=a\x07b\n", "line 2: B's value holds a control character"),
    ],
)
def test_a_line_systemd_would_drop_or_misread_is_named_with_its_fix(text, words):
    module = envfile_module()
    with pytest.raises(module.EnvFileError) as error:
        module.parse(text)
    assert words in str(error.value)


@pytest.mark.parametrize(
    "value",
    [
        "Serenity;id>/tmp/pwned",
        "a \"b\" \\c $d `e` 'f'",
        "https://x.example/?a=b&c",
        "",
    ],
)
def test_set_writes_a_value_systemd_and_the_reader_take_literally(tmp_path, value):
    env_file = tmp_path / "env"
    env_file.write_text("FLASK_SECRET_KEY=k\n#FLASK_PRACTICE_NAME=Example\nA=1\n")
    module = envfile_module()
    example = PROJECT_ROOT / "deploy" / "env.example"
    text = module.with_setting(env_file, example, "FLASK_PRACTICE_NAME", value)
    assert text.splitlines()[0:3:2] == ["FLASK_SECRET_KEY=k", "A=1"]
    assert read_as_systemd(text)["FLASK_PRACTICE_NAME"] == value
    for crafted in ("true;id>/tmp/x;y\\|FLASK_LOCALE", "FLASK_LOCALE ", "flask_locale"):
        with pytest.raises(module.EnvFileError, match="not a setting"):
            module.with_setting(env_file, example, crafted, "en_US")
    with pytest.raises(module.EnvFileError, match="one line of text"):
        module.with_setting(env_file, example, "FLASK_PRACTICE_NAME", "a\nB=1")


def test_the_helper_and_manage_sh_read_the_env_file_as_systemd_does(machine):
    ok(machine.helper("setup"))
    for name, value in {
        "FLASK_SITE_URL": "https://massage.test",
        "WEBAPP_ACME_EMAIL": "owner@massage.test",
        "WEBAPP_BIND": f"127.0.0.1:{free_port()}",
    }.items():
        ok(machine.helper("set", name, value))
    # Lines systemd takes that a shell does not (the file had been sourced),
    # with Windows line endings.
    text = machine.env_file.read_text() + (
        "; a comment as systemd allows it\n"
        "FLASK_PRACTICE_NAME=It's Calm Hands Massage\n"
        "FLASK_TIME_ZONE= America/Chicago\n"
        "  WEBAPP_ACME_EMAIL = 'desk@massage.test'\n"
    )
    machine.env_file.write_text(text.replace("\n", "\r\n"))
    result = machine.helper("install")
    ok(result)
    assert "warning" in result.stderr and "Windows line endings" in result.stderr
    # The helper's reading: the Caddyfile and the letter's timer.
    caddyfile = (machine.root / "etc" / "caddy" / "Caddyfile").read_text()
    assert "email desk@massage.test" in caddyfile
    assert "America/Chicago" in (machine.units / "webapp-digest.timer").read_text()
    # manage.sh's reading (the letter names the practice) and the site's.
    ok(machine.helper("check"))
    letter = manage(machine, "digest")
    assert "It's Calm Hands Massage" in ok(letter)
    assert "It's Calm Hands Massage" in html.unescape(machine.page())

    # A line systemd would drop: named with its number and the fix.
    lines = len(text.splitlines()) + 1
    machine.env_file.write_text(text + "export FLASK_LOCALE=en_GB\n")
    refused(machine.helper("check"), f"line {lines}: remove “export ”")
    bad = manage(machine, "check")
    assert bad.returncode == 1
    assert f"line {lines}: remove “export ”" in bad.stderr


def test_set_stores_a_value_literally_and_refuses_a_crafted_name(machine):
    ok(machine.helper("setup"))
    marker = machine.base / "pwned"
    value = f"Serenity;id>{marker}"
    ok(machine.helper("set", "FLASK_PRACTICE_NAME", value))
    assert read_as_systemd(machine.env_file.read_text())["FLASK_PRACTICE_NAME"] == value
    # Every command reads the file; none runs what is in it.
    machine.helper("backups")
    checked = manage(machine, "check")  # reaches the checks: the file was read
    assert "FLASK_SITE_URL" in checked.stdout + checked.stderr
    assert not marker.exists(), "a value was run as a command"

    before = machine.env_file.read_text()
    crafted = f"true;id>{marker};y\\|FLASK_LOCALE"
    refused(machine.helper("set", crafted, "en_US"), "is not a setting")
    refused(machine.helper("set", "FLASK_PRACTICE_NAME", "a\nid"), "one line of text")
    assert machine.env_file.read_text() == before
    machine.helper("backups")
    assert not marker.exists(), "a crafted name was run as a command"


# --- Folders the site's user controls: root never follows them (issue 25) -----


def test_restore_refuses_a_backups_folder_the_site_user_replaced(machine):
    ok(machine.helper("setup"))
    target = machine.base / "target"
    target.mkdir(mode=0o755)
    outside = machine.base / "outside"
    outside.mkdir(mode=0o700)
    backup = outside / "data-2000-01-01-000000.db"
    backup.write_bytes(b"not really a database")
    backups = machine.state / "backups"
    sh("runuser", "-u", "webapp", "--", "ln", "-s", target, backups)
    result = machine.helper("restore", backup)
    assert target.stat().st_uid == 0, "root chowned the symbolic link's target"
    refused(result, f"{backups} is a symbolic link")
    assert not list(target.iterdir())
    assert "stop webapp" not in machine.calls()

    # A real folder, but not the site's: refused too.
    backups.unlink()
    backups.mkdir()
    refused(machine.helper("restore", backup), "belongs to root, not webapp")
    assert not list(backups.iterdir())


def test_a_clone_git_refuses_for_its_owner_is_named_with_the_fix(machine):
    installed(machine, "/")
    # Another user's folder (not root's, not the sudo user's): git refuses
    # it ("detected dubious ownership"), which is not "not a git clone".
    before = machine.snapshot()
    sh("chown", "-R", "nobody", machine.app)
    for command in ("upgrade", "changes"):
        line = refused(machine.helper(command), "git refuses to work in")
        print(line)
        assert "it belongs to nobody" in line
        assert f"sudo chown -R root:root {machine.app}" in line
        assert "not a git clone" not in line
    # The fix it gives works, and nothing had changed.
    sh("chown", "-R", "root:root", machine.app)
    assert machine.snapshot() == before
    assert "already the newest version" in last_line(machine.helper("upgrade"))
