"""Fixtures: an app on a temporary SQLite file, its test client and CLI runner."""

import pytest

from webapp import create_app
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
