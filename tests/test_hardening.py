"""Malformed requests of every kind: a clear 4xx, never a 500 or a stack trace."""

import io
import json
import re

import pytest
from gunicorn.http.errors import InvalidChunkSize, NoMoreData
from werkzeug.test import EnvironBuilder, run_wsgi_app

from webapp import create_app


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


# --- The Host header ------------------------------------------------------------


def call_with_host(app, path, host, method="GET", **options):
    """(status code, headers, body) of a request with this Host header.

    Werkzeug's test client cannot send these hosts (it decodes the URL of
    every response for its cookie jar), so the app is called as a WSGI app.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False
    environ = EnvironBuilder(
        path=path, method=method, headers={"Host": host}, **options
    ).get_environ()
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    try:
        body = b"".join(app_iter).decode("utf-8", "replace")
    finally:
        getattr(app_iter, "close", lambda: None)()
    return int(status.split()[0]), headers, body


# Host names that Werkzeug cannot encode (IDNA), so no URL of the site can be
# built for them. No browser sends one; a script or scanner may.
UNUSABLE_HOSTS = ["x" * 64, "a..b", "." + "y" * 70 + ".example"]


@pytest.mark.parametrize("host", UNUSABLE_HOSTS)
@pytest.mark.parametrize("path", ["/", "/book?from=header", "/no-such-page", "/stats"])
def test_an_unusable_host_header_is_a_plain_400(app, host, path):
    status, headers, body = call_with_host(app, path, host)
    assert status == 400, body[:500]
    assert headers["Content-Type"].startswith("text/plain")
    assert "Please go back and try again." in body
    assert "Traceback" not in body
    assert "Location" not in headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_an_unusable_host_header_on_a_form_post_is_a_plain_400(app):
    status, _, body = call_with_host(
        app, "/login", "x" * 64, method="POST", data={"password": "x"}
    )
    assert status == 400, body[:500]


# Punycode labels that are not valid punycode: Werkzeug routes them, but
# cannot decode them back (request.host_url raises UnicodeError).
UNDECODABLE_HOSTS = ["xn--", "xn--zz", "XN--zz", "www.xn--a.example"]


@pytest.mark.parametrize("host", UNDECODABLE_HOSTS)
@pytest.mark.parametrize("path", ["/", "/robots.txt", "/sitemap.xml"])
def test_a_host_with_broken_punycode_never_gives_a_500(app, host, path):
    status, _, body = call_with_host(app, path, host)
    assert status == 200, body[:500]
    # The page's own links name the host as it was sent, never decoded.
    assert f"http://{host}/" in body


def test_pages_for_different_hosts_are_kept_apart(app):
    for host in ("one.example", "two.example"):
        status, _, body = call_with_host(app, "/", host)
        assert status == 200
        assert f'<link rel="canonical" href="http://{host}/">' in body


# --- Request bodies ---------------------------------------------------------------


class BrokenBody(io.RawIOBase):
    """A request body whose reading fails half-way with ``error``."""

    def __init__(self, error):
        self.error = error
        self.sent = False

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.sent:
            raise self.error
        self.sent = True
        buffer[:9] = b"password="
        return 9


# What gunicorn raises while a body is read: a garbled chunk size, a body
# that ends too soon, and a client that went away.
BODY_ERRORS = [
    InvalidChunkSize(b"zz"),
    NoMoreData(b""),
    ConnectionResetError("Connection reset by peer"),
]


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
@pytest.mark.parametrize("error", BODY_ERRORS, ids=lambda error: type(error).__name__)
@pytest.mark.parametrize("path", ["/login", "/logout", "/no-such-page"])
def test_a_body_that_cannot_be_read_is_a_400(strict_client, path, content_type, error):
    response = strict_client.post(
        path,
        content_type=content_type,
        # A chunked body, as gunicorn hands it over: no length, the server
        # ends (or here, fails) the stream.
        environ_overrides={
            "wsgi.input": BrokenBody(error),
            "wsgi.input_terminated": True,
            "CONTENT_LENGTH": "",
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )
    assert_no_server_error(response)
    assert response.status_code == 400


# --- The page's structured data ------------------------------------------------------


def structured_data(client):
    """The JSON-LD block of the article page: (raw text, the business entry)."""
    html = client.get("/").get_data(as_text=True)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(raw.group(1))
    business = next(
        item for item in data["@graph"] if item["@type"] == "HealthAndBeautyBusiness"
    )
    return raw.group(1), business


def test_structured_data_leaves_out_absent_details_instead_of_null(client):
    raw, business = structured_data(client)
    assert "null" not in raw
    assert "telephone" not in business
    assert "address" not in business


@pytest.mark.parametrize(
    ("settings", "address"),
    [
        (
            {"PRACTICE_ADDRESS": "1 Main Street", "PRACTICE_CITY": "Springfield"},
            {"streetAddress": "1 Main Street", "addressLocality": "Springfield"},
        ),
        ({"PRACTICE_CITY": "Springfield"}, {"addressLocality": "Springfield"}),
        ({"PRACTICE_ADDRESS": "1 Main Street"}, {"streetAddress": "1 Main Street"}),
    ],
)
def test_structured_data_carries_the_details_that_are_set(
    database_path, settings, address
):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "PRACTICE_PHONE": "+1 555 0100",
            **settings,
        }
    )
    raw, business = structured_data(app.test_client())
    assert "null" not in raw
    assert '""' not in raw
    assert business["telephone"] == "+1 555 0100"
    assert business["address"] == {"@type": "PostalAddress", **address}


def test_a_form_too_large_is_still_a_413(strict_client):
    field = b"x" * 600_000  # Flask keeps at most 500 kB of form fields
    body = (
        b'--x\r\nContent-Disposition: form-data; name="password"\r\n\r\n'
        + field
        + b"\r\n--x--\r\n"
    )
    response = strict_client.post(
        "/login", data=body, content_type="multipart/form-data; boundary=x"
    )
    assert_no_server_error(response)
    assert response.status_code == 413
