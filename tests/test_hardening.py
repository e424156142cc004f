"""Malformed requests of every kind: a clear 4xx, never a 500 or a stack trace."""

import io
import json
import re
import socket
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from gunicorn.http.errors import InvalidChunkSize, NoMoreData
from werkzeug.test import EnvironBuilder, run_wsgi_app

from webapp import create_app

from .conftest import (
    MALFORMED_URLS,
    OWNER_PASSWORD,
    csrf_token_from,
    store_owner_password,
)
from .practice_data import write_practice
from .servers import BOOKING_URL, serving


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


@pytest.mark.parametrize("path", ["/stats", "/stats.json", "/stats/daily.csv"])
@pytest.mark.parametrize("current_url", MALFORMED_URLS)
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
def test_a_body_that_cannot_be_read_is_a_400_unless_never_read(
    strict_client, path, content_type, error
):
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
    # A page that does not exist never has its body read: it is simply a 404.
    assert response.status_code == (404 if path == "/no-such-page" else 400)


def test_booking_redirects_even_with_a_broken_body(strict_client):
    response = strict_client.get(
        "/book?from=header",
        content_type="application/x-www-form-urlencoded",
        environ_overrides={
            "wsgi.input": BrokenBody(InvalidChunkSize(b"zz")),
            "wsgi.input_terminated": True,
            "CONTENT_LENGTH": "",
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://www.massagebook.com/")


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
    ("given", "address"),
    [
        (
            "address: 1 Main Street\ncity: Springfield\n",
            {"streetAddress": "1 Main Street", "addressLocality": "Springfield"},
        ),
        ("city: Springfield\n", {"addressLocality": "Springfield"}),
        ("address: 1 Main Street\n", {"streetAddress": "1 Main Street"}),
    ],
)
def test_structured_data_carries_the_details_that_are_set(
    tmp_path, database_path, given, address
):
    practice = write_practice(tmp_path, "phone: +1 555 0100\n" + given)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "PRACTICE_FILE": str(practice),
        }
    )
    raw, business = structured_data(app.test_client())
    assert "null" not in raw
    assert '""' not in raw
    assert business["telephone"] == "+1 555 0100"
    assert business["address"] == {"@type": "PostalAddress", **address}


# --- Over real HTTP: gunicorn with the shipped config --------------------------------

PATHS = [
    "/",
    "/book?from=header",
    "/call?from=footer",
    "/login",
    "/stats",
    "/stats/events.csv",
    "/widgets/compare/training",
    "/widgets/chooser",
    "/no-such-page",
]
# (what is odd, extra headers or extra query) for every path.
MALFORMED = [
    ("host too long", {"Host": "x" * 64}),
    ("broken punycode host", {"Host": "xn--zz"}),
    ("forwarded host too long", {"X-Forwarded-Host": "x" * 64}),
    ("forwarded host punycode", {"X-Forwarded-Host": "xn--zz"}),
    ("forwarded for garbage", {"X-Forwarded-For": "\xff, [::1"}),
    ("htmx, bad current URL", {"HX-Request": "true", "HX-Current-URL": "http://[::1"}),
    (
        "htmx history restore",
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ),
    ("prefetch", {"Sec-Purpose": "prefetch;prerender"}),
    ("non-UTF-8 headers", {"User-Agent": "Mozilla/5.0 \xff\xfe", "Referer": "\xff"}),
    # gunicorn itself answers 400 to these; the app never sees them.
    ("controls in headers", {"User-Agent": "a\x01b", "Referer": "\x00"}),
    ("bad referer", {"Referer": "http://[::1/?aspect=%ff"}),
    ("garbage session", {"Cookie": "session=\xff\xfe.garbage.x"}),
    ("tampered session", {"Cookie": "session=eyJvd25lciI6dHJ1ZX0.Zz.abc"}),
    ("huge header", {"X-Padding": "p" * 7000}),
    ("huge query", "q" * 6000),
    ("bad percent-encoding", "%zz=%ff%fe&%=%"),
    ("controls in query", "from=%00%01%7f&next=%0d%0aSet-Cookie:x=y"),
    ("raw non-UTF-8 query", "aspect=\xff&utm_source=\xfe<b>"),
    ("repeated parameters", "aspect=training&aspect=nope&from=a&from=b"),
]


def raw_request(port, method, target, headers=(), body=b""):
    """Send one request as raw bytes; return (status, headers text, body)."""
    lines = [f"{method} {target} HTTP/1.1", "Connection: close"]
    names = {name.lower() for name, _ in headers}
    if "host" not in names:
        lines.append("Host: 127.0.0.1")
    lines += [f"{name}: {value}" for name, value in headers]
    if body and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    head = head.decode("latin-1")
    return int(head.split(" ", 2)[1]), head, content.decode("utf-8", "replace")


def assert_answered_safely(port, method, target, headers=(), body=b""):
    """A 4xx or less, no stack trace, no redirect off the site but to booking."""
    status, head, content = raw_request(port, method, target, headers, body)
    where = (method, target[:60], headers)
    assert status < 500, (where, head)
    assert "Traceback" not in content, where
    for location in re.findall(r"(?im)^location:[ \t]*([^\r\n]*)", head):
        local = location.startswith("/") and not location.startswith(("//", "/\\"))
        assert local or location == BOOKING_URL, (where, location)
    return status, head


FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn with the shipped config behind one (pretend) proxy, and the
    owner's session cookie."""
    folder = tmp_path_factory.mktemp("hardening")
    with serving(folder, ["--workers", "1"], FLASK_PROXY_COUNT="1") as g:
        store_owner_password(g.database)
        _, head, page = raw_request(g.port, "GET", "/login")
        cookie = re.search(r"(?im)^set-cookie: (session=[^;]+)", head).group(1)
        token = csrf_token_from(page)
        form = urlencode({"csrf_token": token, "password": OWNER_PASSWORD}).encode()
        status, head, _ = raw_request(
            g.port,
            "POST",
            "/login",
            [("Cookie", cookie), ("Content-Type", FORM)],
            form,
        )
        assert status == 302, head
        g.owner_cookie = re.search(r"(?im)^set-cookie: (session=[^;]+)", head).group(1)
        yield g


@pytest.mark.parametrize("who", ["reader", "owner"])
def test_malformed_requests_over_http_never_fail(served, who):
    cookie = [("Cookie", served.owner_cookie)] if who == "owner" else []
    for path in PATHS:
        for _, change in MALFORMED:
            if isinstance(change, str):
                target = path + ("&" if "?" in path else "?") + change
                headers = []
            else:
                target, headers = path, list(change.items())
            if any(name == "Cookie" for name, _ in headers):
                request_headers = headers
            else:
                request_headers = cookie + headers
            assert_answered_safely(served.port, "GET", target, request_headers)
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            assert_answered_safely(served.port, method, path, cookie)
    log = served.log()
    assert "Unhandled error" not in log
    assert "Error handling request" not in log


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ([("Transfer-Encoding", "chunked")], b"zz\r\npassword=x\r\n0\r\n\r\n"),
        ([("Transfer-Encoding", "chunked")], b"5\r\npasswordxx\r\n0\r\n\r\n"),
        ([], b"password=\xff\xfe&csrf_token=\x00"),
        ([], b"%zz=%ff&password"),
    ],
    ids=["garbled chunk size", "chunk without terminator", "non-UTF-8", "bad %"],
)
@pytest.mark.parametrize("path", ["/login", "/logout"])
def test_broken_form_posts_over_http_are_400(served, path, headers, body):
    status, head = assert_answered_safely(
        served.port, "POST", path, [("Content-Type", FORM), *headers], body
    )
    assert status == 400, head
    assert "Error handling request" not in served.log()
    assert "Unhandled error" not in served.log()


def test_booking_still_redirects_over_http_with_odd_headers(served):
    # Every oddity that reaches the app and leaves the host alone.
    for name, change in MALFORMED:
        if isinstance(change, str) or "host" in name or "controls" in name:
            continue
        status, head = assert_answered_safely(
            served.port, "GET", "/book?from=footer", list(change.items())
        )
        assert status == 302, (change, head)
    status, head = assert_answered_safely(
        served.port,
        "GET",
        "/book?from=footer",
        [("Content-Type", FORM), ("Transfer-Encoding", "chunked")],
        b"zz\r\nfrom=x\r\n0\r\n\r\n",
    )
    assert status == 302, head


# --- Markup: nothing inline for the CSP to block, a CSRF token in every POST form ---


class MarkupAudit(HTMLParser):
    """Collects what a strict CSP would block and the page's POST forms."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self.post_forms = []  # the hidden field names of each POST form
        self._form = None

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        self.problems += [f"{n} on <{tag}>" for n in names if n.startswith("on")]
        self.problems += [
            f"{n} on <{tag}>" for n in names if n.startswith(("hx-on", "data-hx-on"))
        ]
        if tag == "style":
            self.problems.append("<style>")
        json_ld = names.get("type") == "application/ld+json"
        if tag == "script" and "src" not in names and not json_ld:
            self.problems.append("inline <script>")
        if tag == "form" and (names.get("method") or "").lower() == "post":
            self._form = []
            self.post_forms.append(self._form)
        if tag == "input" and self._form is not None and names.get("type") == "hidden":
            self._form.append(names.get("name"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def audit(html):
    """(what a strict CSP would block, the hidden fields of each POST form)."""
    parser = MarkupAudit()
    parser.feed(html)
    parser.close()
    return parser.problems, parser.post_forms


CHOOSER_ANSWERS = {
    "medical": "reason=problem&referral=yes&today=none&health=none&mention=none"
    "&goal=relief",
    "care today": "reason=stress&referral=no&today=chest&health=none&mention=skin"
    "&goal=relax",
    "another day": "reason=stress&referral=no&today=fever&health=none"
    "&mention=none&goal=relax",
    "422": "show=suggestion",  # the chooser asks for its answers
    "markup": "reason=%3Cb%3E&health=%3Ci%3E&show=suggestion",
}
ARTICLE_STATES = [
    ("/", None),
    ("/?aspect=training&technique=hot-stone", None),
    *(("/?aspect=training", body) for body in CHOOSER_ANSWERS.values()),
]
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(("path", "body"), ARTICLE_STATES)
def test_article_page_has_nothing_inline_in_any_state(client, path, body):
    if body is None:
        html = client.get(path).get_data(as_text=True)
    else:
        html = client.post(path, data=body, content_type=FORM).get_data(as_text=True)
    problems, post_forms = audit(html)
    assert problems == []
    # The one POST form is the chooser's, which changes nothing but a count:
    # readers have no session, so it carries no CSRF token (nor other fields).
    assert post_forms == [[]]
    assert html.count('<script type="application/ld+json">') == 1


@pytest.mark.parametrize(
    "path",
    [
        "/widgets/compare/training",
        "/widgets/techniques/swedish",
        "/widgets/chooser?reason=problem&referral=no&today=injury&goal=move",
        "/widgets/chooser?reason=nope",
        "/widgets/compare/nope",
    ],
)
def test_widget_fragments_have_nothing_inline(client, path):
    if path.startswith("/widgets/chooser"):
        body = path.partition("?")[2] + "&health=none&mention=none"
        response = client.post(
            "/widgets/chooser",
            data=body,
            content_type=FORM,
            headers={"HX-Request": "true"},
        )
        assert response.status_code in (200, 422)
    else:
        response = client.get(path, headers={"HX-Request": "true"})
    problems, _ = audit(response.get_data(as_text=True))
    assert problems == []


@pytest.mark.parametrize(
    ("path", "post_forms"),
    [
        ("/stats", 2),  # sign out, add a note
        ("/stats?period=all", 2),
        ("/stats?from=2025-13-01&to=x", 1),
        ("/no-such-page", 0),
    ],
)
def test_owner_pages_have_nothing_inline_and_csrf_in_every_post_form(
    owner_client, path, post_forms
):
    problems, forms = audit(owner_client.get(path).get_data(as_text=True))
    assert problems == []
    assert len(forms) == post_forms
    assert all("csrf_token" in fields for fields in forms)


def test_login_and_expired_form_pages_carry_a_csrf_token(client, owner_client):
    problems, forms = audit(client.get("/login").get_data(as_text=True))
    assert problems == []
    assert len(forms) == 1 and "csrf_token" in forms[0]
    # The "form expired" page offers a fresh sign-out form.
    expired = owner_client.post("/logout", data={"csrf_token": "stale"})
    assert expired.status_code == 400
    problems, forms = audit(expired.get_data(as_text=True))
    assert problems == []
    assert len(forms) == 1 and "csrf_token" in forms[0]


# --- Redirects never take their host from the request --------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/widgets//compare/training",
        "/widgets/techniques//swedish",
        "/static//css/site.css",
        "/static/css//site.css",
        "/healthz//",
    ],
)
def test_a_doubled_slash_is_never_a_redirect_built_from_the_host(strict_client, path):
    with strict_client.get(
        path, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    ) as response:
        assert_no_server_error(response)
        assert "Location" not in response.headers
        # 404; a static file's path may hold "//" and still name the file.
        assert response.status_code in (200, 404)
