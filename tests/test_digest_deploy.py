"""The weekly letter's systemd units, settings example and guide section."""

import re
import subprocess

import pytest

from .servers import DEPLOY, PROJECT_ROOT, need_tool

UNITS = ("webapp-digest.service", "webapp-digest.timer")
DOC = PROJECT_ROOT / "docs" / "deploy.md"


def systemd_analyze(*args):
    """Run systemd-analyze; skip outside CI when it is not installed."""
    command = need_tool("systemd-analyze", "Debian package systemd")
    return subprocess.run([command, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def installed_units(tmp_path):
    """The units with this checkout's paths, as deploy/webapp installs them."""
    env_file = tmp_path / "env"
    env_file.write_text((DEPLOY / "env.example").read_text())
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/srv/webapp", str(PROJECT_ROOT))
        (tmp_path / name).write_text(text.replace("/etc/webapp/env", str(env_file)))
    return tmp_path


def test_the_digest_units_pass_systemd_analyze_verify(installed_units):
    result = systemd_analyze("verify", *(str(installed_units / n) for n in UNITS))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_the_digest_service_is_hardened_but_may_reach_the_mail_server(
    installed_units,
):
    unit = (DEPLOY / "webapp-digest.service").read_text()
    assert (
        "\nExecStart=/srv/webapp/.venv/bin/flask --app webapp digest --send\n" in unit
    )
    for setting in ("Type=oneshot", "User=webapp", "EnvironmentFile=/etc/webapp/env",
                    "ProtectSystem=strict", "NoNewPrivileges=yes",
                    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"):  # fmt: skip
        assert f"\n{setting}\n" in unit, setting
    assert "PrivateNetwork" not in unit  # it must talk SMTP
    result = systemd_analyze(
        "security", "--offline=yes", str(installed_units / "webapp-digest.service")
    )
    line = next(x for x in result.stdout.splitlines() if "Overall exposure" in x)
    assert float(line.split(":")[1].split()[0]) <= 2.0, line


def test_the_timer_fires_monday_at_seven_in_the_practices_zone():
    timer = (DEPLOY / "webapp-digest.timer").read_text()
    calendars = re.findall(r"^OnCalendar=(.+)$", timer, flags=re.MULTILINE)
    assert calendars[0] == "Mon *-*-* 07:00:00 America/New_York"
    assert "\nPersistent=true\n" in timer
    for calendar in calendars:
        result = systemd_analyze("calendar", calendar)
        assert result.returncode == 0, result.stderr
        assert "Next elapse: Mon " in result.stdout
    # deploy/webapp puts FLASK_TIME_ZONE in its place when it installs it.
    helper = (DEPLOY / "webapp").read_text()
    assert "webapp-digest.service webapp-digest.timer" in helper
    assert "s#America/New_York#${FLASK_TIME_ZONE:-America/New_York}#g" in helper
    assert 'if [ -n "${FLASK_DIGEST_TO:-}" ]; then' in helper


def test_env_example_offers_every_mail_setting_switched_off():
    env = (DEPLOY / "env.example").read_text()
    for name in ("DIGEST_TO", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
                 "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD",
                 "MAIL_DEFAULT_SENDER"):  # fmt: skip
        assert f"\n#FLASK_{name}=" in env, name
        assert f"\nFLASK_{name}=" not in env, name  # off until the owner sets it


def test_the_guide_explains_the_providers_smtp():
    text = DOC.read_text()
    section = text.split("## The weekly letter", 1)[1].split("\n## ", 1)[0]
    for words in ("app password", "587", "STARTTLS", "465", "digest --send --test",
                  "deploy/webapp-digest.timer", "--force"):  # fmt: skip
        assert words in section, words
