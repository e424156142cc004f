"""Behind a proxy: X-Forwarded-* headers count only from the configured proxies."""

import pytest
from flask import request

from webapp import create_app


def make_app(database_path, proxy_count):
    """The app with PROXY_COUNT set, plus a route that shows what it sees."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "PROXY_COUNT": proxy_count,
        }
    )

    @app.get("/_test/seen")
    def seen():
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
        }

    return app


FORGED = {
    "X-Forwarded-For": "203.0.113.66",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
}


def test_without_a_proxy_forwarded_headers_change_nothing(database_path):
    client = make_app(database_path, 0).test_client()
    plain = client.get("/_test/seen").get_json()
    forged = client.get("/_test/seen", headers=FORGED).get_json()
    assert (
        forged
        == plain
        == {
            "remote_addr": "127.0.0.1",
            "scheme": "http",
            "host": "localhost",
        }
    )
    page = client.get("/", headers=FORGED)
    assert "Strict-Transport-Security" not in page.headers
    assert "evil.example" not in page.get_data(as_text=True)


def test_the_default_is_no_proxy(app):
    assert app.config["PROXY_COUNT"] == 0


def test_behind_one_proxy_its_headers_are_believed(database_path):
    client = make_app(database_path, 1).test_client()
    seen = client.get(
        "/_test/seen",
        headers={
            "X-Forwarded-For": "198.51.100.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "massage.example",
        },
    ).get_json()
    assert seen == {
        "remote_addr": "198.51.100.7",
        "scheme": "https",
        "host": "massage.example",
    }
    page = client.get(
        "/",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "massage.example"},
    )
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    assert 'href="https://massage.example/"' in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "visitor"),
    [
        # A visitor's own X-Forwarded-For comes first; each proxy appends the
        # address it saw. Only the last PROXY_COUNT entries are trusted.
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    ],
)
def test_a_visitor_cannot_forge_an_address_past_the_proxies(
    database_path, proxy_count, forwarded_for, visitor
):
    client = make_app(database_path, proxy_count).test_client()
    seen = client.get(
        "/_test/seen", headers={"X-Forwarded-For": forwarded_for}
    ).get_json()
    assert seen["remote_addr"] == visitor


def test_proxy_count_comes_from_the_environment(monkeypatch, database_path):
    monkeypatch.setenv("FLASK_PROXY_COUNT", "1")
    app = create_app({"TESTING": True, "DATABASE": str(database_path)})
    assert app.config["PROXY_COUNT"] == 1
    seen = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in seen.headers
