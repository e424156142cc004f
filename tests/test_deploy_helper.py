"""deploy/webapp, used as the owner would: with sudo, from any folder.

Each test builds a server under a temporary root (tests/test_deploy_machine.py):
real git with a bare repository standing in for the hosted one, real sudo
with a user created for the test, a real gunicorn started from the installed
unit's own ExecStart by the stand-in systemctl.
"""

import pytest

from webapp.core.checks import check_secret_key

from .servers import free_port
from .test_deploy_machine import built_machine, sh

MARKER_TWO = "Release marker two, newer than the first."


@pytest.fixture
def machine():
    """A server with the site cloned, torn down afterwards whatever happened."""
    with built_machine() as built:
        yield built


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
    assert (machine.root / "etc" / "webapp" / "before-upgrade").read_text() == (
        f"{one} main\n"
    )
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
    refused(machine.helper("restore", "data-1999-01-01-000000.db"), "no such backup")


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
    three = machine.release("release three", "Release marker three, code only.")
    calls_before = len(machine.calls())
    ok(machine.helper("upgrade", cwd="/root"))
    assert machine.head() == three
    calls = machine.calls()[calls_before:]
    assert "reload webapp" in calls
    assert "restart webapp" not in calls
    # Old workers finish their requests while new ones start: wait for a new one.
    assert machine.wait_for_page("Release marker three, code only.")
