"""docs/deploy.md: linked, complete, and its commands work on the shipped files."""

import re
import subprocess
from pathlib import Path

import pytest

from webapp.core.checks import check_secret_key

from .servers import DEPLOY, PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "deploy.md"


def doc_commands():
    """Every command line in the doc's sh blocks (continuations joined)."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def the_command(starting, containing):
    """The one documented command that starts and contains the given text."""
    [command] = [
        c for c in doc_commands() if c.startswith(starting) and containing in c
    ]
    return command


def run_shell(command, cwd):
    """Run a documented command with sh, as the owner would."""
    return subprocess.run(
        ["sh", "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_readme_links_the_deploy_guide():
    assert "(docs/deploy.md)" in (PROJECT_ROOT / "README.md").read_text()


def test_the_guide_uses_every_shipped_deploy_file():
    text = DOC.read_text()
    for path in sorted(DEPLOY.glob("[!_]*")):
        assert f"deploy/{path.name}" in text, f"docs/deploy.md never uses {path.name}"


def test_the_guide_covers_the_whole_journey():
    text = DOC.read_text().lower()
    for topic in (
        "apt install",
        "useradd",
        "dns",
        "/etc/webapp/env",
        "systemctl enable --now webapp",
        "set-password",
        "webapp-backup.timer",
        "restore.sh",
        "## upgrading",
        "## rolling back",
        "nginx",
    ):
        assert topic in text, topic


def test_every_documented_owner_command_exists(runner):
    for command in doc_commands():
        match = re.search(r"manage\.sh (\S+)", command)
        if match:
            result = runner.invoke(args=[match.group(1), "--help"])
            assert result.exit_code == 0, f"{command}: no such command"


def test_the_documented_secret_key_line_makes_a_key_the_checks_accept(tmp_path):
    command = the_command("sed -i", "FLASK_SECRET_KEY")
    env_file = tmp_path / "env"
    env_file.write_text((DEPLOY / "env.example").read_text())
    run_shell(command.replace("/etc/webapp/env", str(env_file)), PROJECT_ROOT)
    [line] = [x for x in env_file.read_text().splitlines() if x.startswith("FLASK_SEC")]
    key = line.split("=", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert check_secret_key({"SECRET_KEY": key}).ok


def test_the_documented_caddy_line_gives_a_valid_caddyfile(tmp_path):
    if not Path("/usr/bin/caddy").exists():
        pytest.fail("/usr/bin/caddy is missing: apt-get install caddy (make test does)")
    command = the_command("sed", "deploy/Caddyfile")
    target = tmp_path / "Caddyfile"
    run_shell(command.replace("/etc/caddy/Caddyfile", str(target)), PROJECT_ROOT)
    text = target.read_text()
    assert "example.com" not in text
    assert "email you@your-mail.example" in text
    assert "\nYOURDOMAIN.com {" in text
    assert "redir https://YOURDOMAIN.com{uri}" in text
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin"}
    adapted = subprocess.run(
        ["/usr/bin/caddy", "adapt", "--adapter", "caddyfile", "--config", str(target)],
        capture_output=True,
        text=True,
        env=home,
        timeout=60,
    )
    assert adapted.returncode == 0, adapted.stderr
    assert '"host":["yourdomain.com"]' in adapted.stdout


def test_the_documented_nginx_line_replaces_every_domain(tmp_path):
    command = the_command("sed", "deploy/nginx-webapp.conf")
    target = tmp_path / "webapp"
    command = command.replace("/etc/nginx/sites-available/webapp", str(target))
    run_shell(command, PROJECT_ROOT)
    text = target.read_text()
    assert "example.com" not in text
    assert "server_name YOURDOMAIN.com www.YOURDOMAIN.com;" in text
    assert "/etc/letsencrypt/live/YOURDOMAIN.com/fullchain.pem" in text
