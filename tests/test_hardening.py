"""Malformed requests of every kind: a clear 4xx, never a 500 or a stack trace."""

import pytest


@pytest.fixture
def strict_client(app):
    """A test client that shows unexpected errors as the 500 a reader would get."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app.test_client()


def assert_no_server_error(response):
    """Not a 500, and no trace of Python internals in the body."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:500]
    assert "Traceback" not in body
    assert 'File "/' not in body


# --- htmx headers -------------------------------------------------------------

MALFORMED_CURRENT_URLS = ["http://[::1", "http://[bad/stats", "//[", "\x7f%ff"]


@pytest.mark.parametrize("path", ["/stats", "/stats.json", "/stats/daily.csv"])
@pytest.mark.parametrize("current_url", MALFORMED_CURRENT_URLS)
def test_anonymous_htmx_request_with_a_malformed_current_url_gets_401(
    strict_client, path, current_url
):
    response = strict_client.get(
        path, headers={"HX-Request": "true", "HX-Current-URL": current_url}
    )
    assert_no_server_error(response)
    assert response.status_code == 401
    # The way back to the login form still works; it just forgets the page.
    assert response.headers["HX-Redirect"] == "/login?next=/stats"
