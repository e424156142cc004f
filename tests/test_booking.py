"""GET /book: always the configured booking page, never anywhere else, never blocked."""

import logging
import re
import sqlite3
import subprocess
import time
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from webapp import create_app
from webapp.core.db import BUSY_TIMEOUT_MS, connect
from webapp.site.placements import PLACEMENTS

from .conftest import READER_HEADERS

BOOKING_URL = "https://www.massagebook.com/therapists/Reachforserenity"


def clicks(database_path):
    """The stored booking clicks, oldest first."""
    db = connect(str(database_path))
    try:
        return list(db.query("SELECT * FROM events WHERE kind = 'click' ORDER BY id"))
    finally:
        db.conn.close()


def book(client, query="", **kwargs):
    """GET /book?query as a phone browser would, response closed (event written)."""
    headers = {**READER_HEADERS, **kwargs.pop("headers", {})}
    with client.get("/book" + query, headers=headers, **kwargs) as response:
        return response


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_every_placement_redirects_to_the_booking_page_and_is_logged(
    client, database_path, placement
):
    response = book(client, f"?from={placement}")
    assert response.status_code == 302
    assert response.headers["Location"] == BOOKING_URL
    assert response.headers["Cache-Control"] == "no-store"
    assert [c["placement"] for c in clicks(database_path)] == [placement]


@pytest.mark.parametrize("query", ["", "?from=", "?from=sidebar", "?from=HEADER"])
def test_unknown_or_missing_placement_redirects_and_is_logged_as_unknown(
    client, database_path, query
):
    response = book(client, query)
    assert response.status_code == 302
    assert response.headers["Location"] == BOOKING_URL
    assert [c["placement"] for c in clicks(database_path)] == ["unknown"]


def test_redirect_goes_to_the_configured_booking_url(database_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "BOOKING_URL": "https://booking.example/calm-hands",
        }
    )
    response = book(app.test_client(), "?from=header")
    assert response.headers["Location"] == "https://booking.example/calm-hands"


OPEN_REDIRECT_ATTEMPTS = [
    "?from=https://evil.example/",
    "?from=//evil.example",
    "?next=https://evil.example/&url=//evil.example&redirect=/\\evil.example",
    "?from=%2F%2Fevil.example",
    "?from=%5C%5Cevil.example",
    "?from=header%0d%0aLocation:%20https://evil.example/",
    "?from=header%0aSet-Cookie:%20owner=1",
    "?from=header&utm_source=%0d%0aLocation:%20https://evil.example/",
    "?from=javascript:alert(1)",
    "?target=https://evil.example&to=https://evil.example&dest=evil.example",
]


@pytest.mark.parametrize("query", OPEN_REDIRECT_ATTEMPTS)
def test_open_redirect_attempts_in_the_query_still_land_on_the_booking_page(
    client, query
):
    response = book(client, query)
    assert response.status_code == 302
    assert response.headers["Location"] == BOOKING_URL
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/book/",
        "/book/evil.example",
        "/book//evil.example",
        "/book/https://evil.example",
        "//book",
        "///book",
        "//evil.example/book",
        "/book%2F%2Fevil.example",
        "/book%0d%0aLocation:%20https://evil.example",
        "/%5Cevil.example/book",
        "/book%5C%5Cevil.example",
        "/\\evil.example/book",
    ],
)
def test_odd_paths_land_on_the_booking_page_or_a_404_never_elsewhere(client, path):
    # PATH_INFO as a server would decode it: the test client would otherwise
    # read "//evil.example/book" as a host name.
    environ = {"PATH_INFO": unquote(path, encoding="latin-1")}
    with client.get("/", headers=READER_HEADERS, environ_overrides=environ) as response:
        if response.status_code == 404:
            assert "Location" not in response.headers
        else:
            assert response.status_code == 302
            assert response.headers["Location"] == BOOKING_URL


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:443", "www.massagebook.com.evil.example"]
)
def test_a_foreign_host_header_does_not_change_the_target(client, host):
    response = book(client, "?from=header", headers={"Host": host})
    assert response.headers["Location"] == BOOKING_URL


def test_head_request_redirects_too_and_is_not_counted(client, database_path):
    with client.head("/book?from=header", headers=READER_HEADERS) as response:
        assert response.status_code == 302
        assert response.headers["Location"] == BOOKING_URL
    assert clicks(database_path) == []


def test_booking_buttons_on_the_page_point_at_book_with_placement_and_nofollow(
    client,
):
    with client.get("/", headers=READER_HEADERS) as response:
        html = response.get_data(as_text=True)
    buttons = re.findall(r"<a [^>]*href=\"(/book\?[^\"]*)\"[^>]*>", html)
    assert buttons, "no booking button on the page"
    for tag in re.findall(r"<a [^>]*href=\"/book\?[^>]*>", html):
        assert 'rel="nofollow"' in tag
    placements = {parse_qs(urlsplit(unescape(b)).query)["from"][0] for b in buttons}
    assert placements <= set(PLACEMENTS)
    assert {"header", "article-end"} <= placements


def test_utm_of_the_landing_url_is_carried_into_every_booking_link(
    client, database_path
):
    landing = "/?utm_source=instagram&utm_medium=social&utm_campaign=spring-relief"
    with client.get(landing, headers=READER_HEADERS) as response:
        html = response.get_data(as_text=True)
    links = [unescape(href) for href in re.findall(r'href="(/book\?[^"]*)"', html)]
    assert links
    for link in links:
        query = parse_qs(urlsplit(link).query)
        assert query["utm_source"] == ["instagram"]
        assert query["utm_campaign"] == ["spring-relief"]
    book(client, links[0][len("/book") :])
    (click,) = clicks(database_path)
    assert (click["utm_source"], click["utm_medium"], click["utm_campaign"]) == (
        "instagram",
        "social",
        "spring-relief",
    )


# --- Faults: the reader gets the redirect at once, whatever the database does ---


def test_book_redirects_when_the_database_tables_are_missing(tmp_path, caplog):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    app = create_app({"TESTING": True, "DATABASE": str(empty)})
    with caplog.at_level(logging.ERROR):
        response = book(app.test_client(), "?from=header")
    assert response.status_code == 302
    assert response.headers["Location"] == BOOKING_URL
    assert "Event not recorded" in caplog.text
    assert "no such table" in caplog.text


def test_book_redirects_when_the_database_cannot_be_opened(tmp_path, caplog):
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "no" / "such" / "dir.db")}
    )
    with caplog.at_level(logging.ERROR):
        response = book(app.test_client(), "?from=header")
    assert response.status_code == 302
    assert response.headers["Location"] == BOOKING_URL
    assert "Event not recorded" in caplog.text


@pytest.fixture
def read_only(database_path):
    """Make the database file read-only, even for root (immutable flag)."""
    database_path.chmod(0o444)
    as_root = subprocess.run(["id", "-u"], capture_output=True, text=True).stdout
    immutable = as_root.strip() == "0"
    if immutable:
        # Root ignores permission bits; the immutable flag it cannot ignore.
        result = subprocess.run(
            ["chattr", "+i", str(database_path)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"chattr +i failed: {result.stderr}"
    yield database_path
    if immutable:
        subprocess.run(["chattr", "-i", str(database_path)], check=True)
    database_path.chmod(0o644)


def test_book_redirects_when_the_database_is_read_only(
    app, read_only, database_path, caplog
):
    with caplog.at_level(logging.ERROR):
        response = book(app.test_client(), "?from=header")
    assert response.status_code == 302
    assert response.headers["Location"] == BOOKING_URL
    assert "Event not recorded" in caplog.text
    assert "readonly" in caplog.text or "read-only" in caplog.text


def test_book_redirects_at_once_while_another_connection_holds_the_lock(
    client, database_path, caplog
):
    blocker = sqlite3.connect(database_path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with caplog.at_level(logging.ERROR):
            response = client.get("/book?from=header", headers=READER_HEADERS)
            answered = time.monotonic() - started
            assert response.status_code == 302
            assert response.headers["Location"] == BOOKING_URL
            # The reader has the redirect long before the busy timeout ends...
            assert answered < BUSY_TIMEOUT_MS / 1000 / 2
            # ...and the write gives up after it, once the response is closed.
            response.close()
        waited = time.monotonic() - started
        assert waited >= BUSY_TIMEOUT_MS / 1000 * 0.9
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "Event not recorded" in caplog.text
    assert "database is locked" in caplog.text
    assert clicks(database_path) == []


def test_book_works_again_once_the_lock_is_released(client, database_path):
    blocker = sqlite3.connect(database_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    response = client.get("/book?from=header", headers=READER_HEADERS)
    blocker.execute("ROLLBACK")  # released well within the busy timeout
    blocker.close()
    response.close()
    assert [c["placement"] for c in clicks(database_path)] == ["header"]
