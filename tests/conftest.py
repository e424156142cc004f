"""Fixtures: an app on a temporary SQLite file, its test client and CLI runner."""

import re

import pytest

from webapp import create_app
from webapp.auth import set_password
from webapp.db import connect, migrate


@pytest.fixture
def database_path(tmp_path):
    """A migrated SQLite file in a temporary folder (never the real data.db)."""
    path = tmp_path / "test.db"
    db = connect(str(path))
    migrate(db)
    db.conn.close()
    return path


@pytest.fixture
def app(database_path):
    """The app, configured for tests, on the temporary database."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE": str(database_path),
        }
    )


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


# --- The owner's login (used by the auth and stats tests) ---------------------

OWNER_PASSWORD = "quiet harbour copper lantern"


def csrf_token_from(html):
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client, password=OWNER_PASSWORD, next_path=None):
    """Log in through the real form (CSRF token included); return the response."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data)


@pytest.fixture
def owner_password(database_path):
    """The owner's password, stored (as a hash) in the test database."""
    db = connect(str(database_path))
    try:
        set_password(db, OWNER_PASSWORD)
    finally:
        db.conn.close()
    return OWNER_PASSWORD


@pytest.fixture
def owner_client(app, owner_password):
    """A test client logged in as the owner."""
    client = app.test_client()
    assert log_in(client, owner_password).status_code == 302
    return client
