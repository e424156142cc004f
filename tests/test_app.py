"""The app factory: configuration from the environment, refusal without a key."""

import subprocess
import sys

import pytest

from webapp import ConfigError, create_app


def test_config_comes_from_flask_prefixed_environment(monkeypatch, database_path):
    monkeypatch.setenv("FLASK_BOOKING_URL", "https://booking.example/me")
    monkeypatch.setenv("FLASK_PRACTICE_NAME", "Calm Hands")
    app = create_app({"TESTING": True, "DATABASE": str(database_path)})
    assert app.config["BOOKING_URL"] == "https://booking.example/me"
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Calm Hands" in page


def test_default_booking_url_is_the_owners_page(app):
    assert (
        app.config["BOOKING_URL"]
        == "https://www.massagebook.com/therapists/Reachforserenity"
    )


def test_refuses_to_start_without_a_secret_key_outside_testing(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY is not set"):
        create_app()


def test_gunicorn_style_import_fails_with_one_clear_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "FLASK_DATABASE": str(tmp_path / "x.db")}
    result = subprocess.run(
        [sys.executable, "-c", "import webapp; webapp.create_app()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert result.returncode == 1  # Python's exit status for an uncaught error
    assert "FLASK_SECRET_KEY is not set" in result.stderr
    # The last line names the problem and how to fix it.
    assert result.stderr.splitlines()[-1] == (
        "webapp.core.checks.ConfigError: FLASK_SECRET_KEY is not set: generate one "
        "with `python3 -c 'import secrets; print(secrets.token_hex(32))'`"
    )


def test_session_cookie_is_secure_outside_debug(monkeypatch, database_path):
    monkeypatch.setenv("FLASK_SECRET_KEY", "a-real-secret-for-this-test-only-123456")
    app = create_app({"DATABASE": str(database_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
