"""Errors are friendly pages in the site's design, never a stack trace."""

import pytest

from webapp import create_app
from webapp.core.db import get_db


@pytest.fixture
def failing_app(database_path):
    app = create_app({"TESTING": True, "DATABASE": str(database_path)})
    # TESTING re-raises exceptions by default; a reader never sees that.
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    return app


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "We could not find that page" in html
    assert "/static/css/site.css" in html
    assert 'href="/"' in html


def test_server_error_is_a_friendly_500_without_internals(failing_app, caplog):
    response = failing_app.test_client().get("/explode")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert "secret internals" not in html
    assert "Traceback" not in html
    assert "secret internals" in caplog.text


def test_wrong_method_is_a_friendly_405(client):
    response = client.post("/healthz")
    assert response.status_code in (400, 405)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/%ff%fe",
        "/?x=%00%01",
        "/" + "a" * 5000,
        "/static/../webapp/__init__.py",
        "/static/%2e%2e/pyproject.toml",
    ],
)
def test_malformed_urls_never_give_a_500(client, path):
    response = client.get(path)
    assert response.status_code < 500
    assert b"Traceback" not in response.data
    assert b"create_app" not in response.data


def test_the_500_page_links_to_the_booking_page_it_promises(failing_app):
    response = failing_app.test_client().get("/explode")
    html = response.get_data(as_text=True)
    assert "the booking page is still open to you" in html
    booking_url = failing_app.config["BOOKING_URL"]
    # Straight to the booking page: no /book redirect that our failure could break.
    assert f'<a class="button" href="{booking_url}" rel="nofollow">' in html
    assert "/book?" not in html.split('<section class="error-page"')[1]
    fragment = failing_app.test_client().get("/explode", headers={"HX-Request": "true"})
    assert f'href="{booking_url}"' in fragment.get_data(as_text=True)


def test_the_500_booking_link_works_with_a_broken_database(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a SQLite database" * 100)
    app = create_app({"TESTING": True, "DATABASE": str(broken)})
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode():
        get_db().execute("SELECT 1")  # the database is the failure
        return "the database answered"

    client = app.test_client()
    response = client.get("/explode")
    assert response.status_code == 500
    assert f'href="{app.config["BOOKING_URL"]}"' in response.get_data(as_text=True)


def test_other_errors_carry_no_booking_link(client):
    html = client.get("/no/such/page").get_data(as_text=True)
    assert 'class="error-page__actions"' not in html
