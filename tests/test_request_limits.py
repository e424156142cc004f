"""Request bodies: none bigger than a form gets in, none is read before it must be.

The app refuses a body over MAX_CONTENT_LENGTH with 413 before reading it, and
never reads the body of a request it refuses anyway (unknown URL, wrong
method). Over real HTTP, straight to gunicorn and through Caddy and nginx
started from the shipped configs, 20 MB and 100 MB bodies leave the worker's
memory where it was. gunicorn's own warnings name no client address.
"""

import io
import socket

import pytest

from webapp import create_app
from webapp.core.security import body_limit

from .conftest import log_in, store_owner_password
from .servers import (
    Gunicorn,
    Proxy,
    migrated_database,
    post_huge_body,
    production_env,
    request,
    wait_until,
    worker_memory_kb,
)

LIMIT = 64 * 1024
MB = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
TOO_LARGE_PAGE = "That was more than this page accepts"
MEDICAL = "reason=problem&referral=yes&today=none&health=none&mention=none&goal=relief"
# A chunked body declares no size: to a URL that refuses it anyway, the app
# answers without reading it (the proxies may refuse it first, with 413).
REFUSED_UNREAD = {"/login": 413, "/logout": 413, "/nope": 404, "/book": 405}
# What the worker may grow by for one refused body: far less than the body.
MOST_GROWTH_KB = 10 * 1024


class EndlessBody(io.RawIOBase):
    """A chunked body that never ends, counting what the app read of it."""

    def __init__(self, size=None):
        self.size = size
        self.read = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = len(buffer)
        if self.size is not None:
            count = min(count, self.size - self.read)
        buffer[:count] = b"x" * count
        self.read += count
        return count


def chunked(body):
    """Test-client overrides for a body as gunicorn hands a chunked one over."""
    return {
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
    }


# --- The app: Flask's test client ----------------------------------------------


def test_the_limit_is_a_setting_of_64_kib(app):
    assert app.config["MAX_CONTENT_LENGTH"] == LIMIT


@pytest.mark.parametrize(
    "path", ["/login", "/logout", "/nope", "/book", "/", "/widgets/chooser"]
)
def test_a_body_over_the_limit_is_413_with_the_sites_page(client, path):
    response = client.post(path, data=b"a=" + b"x" * LIMIT, content_type=FORM)
    assert response.status_code == 413
    assert TOO_LARGE_PAGE in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_an_htmx_request_over_the_limit_gets_the_error_fragment(client):
    response = client.post(
        "/widgets/chooser",
        data=b"a=" + b"x" * LIMIT,
        content_type=FORM,
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 413
    assert TOO_LARGE_PAGE in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/logout", "/", "/widgets/chooser"])
def test_a_chunked_body_is_read_no_further_than_the_limit(client, path):
    body = EndlessBody()
    response = client.post(path, content_type=FORM, environ_overrides=chunked(body))
    assert response.status_code == 413
    assert TOO_LARGE_PAGE in response.get_data(as_text=True)
    assert body.read <= LIMIT + 1


def test_a_chunked_body_within_the_limit_is_read_as_usual(client):
    body = EndlessBody(size=LIMIT)
    response = client.post("/login", content_type=FORM, environ_overrides=chunked(body))
    # All of it read, and refused only for what it says (no CSRF token).
    assert response.status_code == 400
    assert body.read == LIMIT


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/nope", 404),
        ("POST", "/static/css/site.css", 405),
        ("POST", "/book", 405),
        ("PUT", "/login", 405),
        ("DELETE", "/", 405),
    ],
)
def test_a_refused_request_never_reads_its_body(client, method, path, status):
    body = EndlessBody()
    response = client.open(
        path, method=method, content_type=FORM, environ_overrides=chunked(body)
    )
    assert response.status_code == status
    assert body.read == 0


def test_a_declared_length_over_the_limit_is_refused_unread(client):
    body = EndlessBody()
    response = client.post(
        "/nope",
        content_type=FORM,
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(100 * MB)},
    )
    assert response.status_code == 413
    assert body.read == 0


def test_the_login_form_still_works(client, owner_password):
    response = log_in(client, owner_password)
    assert response.status_code == 302
    assert client.get("/stats").status_code == 200


def test_the_login_form_near_the_limit_is_not_refused(client):
    # A whole form just under the limit: answered for what it says.
    response = client.post(
        "/login",
        data=b"password=" + b"x" * (LIMIT - 100),
        content_type=FORM,
    )
    assert response.status_code == 400  # no CSRF token, not 413


@pytest.mark.parametrize("path", ["/", "/widgets/chooser"])
def test_the_chooser_form_still_works(client, path):
    htmx = {"HX-Request": "true"}  # the fragment's own requests come from htmx
    response = client.post(path, data=MEDICAL, content_type=FORM, headers=htmx)
    assert response.status_code == 200


def test_one_route_can_take_a_larger_body(database_path):
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE": str(database_path),
        }
    )

    @body_limit(4 * MB)
    def upload():
        from flask import request

        return str(len(request.get_data()))

    app.add_url_rule("/upload", "upload", upload, methods=["POST"])
    client = app.test_client()
    big = b"x" * (2 * MB)
    assert client.post("/upload", data=big).get_data(as_text=True) == str(2 * MB)
    assert client.post("/upload", data=big + big + b"x").status_code == 413
    assert client.post("/login", data=big, content_type=FORM).status_code == 413


# --- Over real HTTP: gunicorn, Caddy and nginx, as shipped ---------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One gunicorn worker with the shipped config, Caddy and nginx before it."""
    folder = tmp_path_factory.mktemp("limits")
    database = migrated_database(folder)
    store_owner_password(database)
    env = production_env(database, FLASK_PROXY_COUNT="1")
    gunicorn = Gunicorn(env, folder, folder / "gunicorn.log", args=["--workers", "1"])
    with (
        gunicorn,
        Proxy("caddy", folder / "caddy", gunicorn.port) as caddy,
        Proxy("nginx", folder / "nginx", gunicorn.port) as nginx,
    ):
        # Warm the worker up: templates compiled, every module imported.
        for _ in range(3):
            for port, https, host in (
                (gunicorn.port, False, "127.0.0.1"),
                (caddy.port, False, caddy.host),
                (nginx.port, True, nginx.host),
            ):
                headers = {"Host": host}
                request(port, "/", headers=headers, https=https)
                request(port, "/login", headers=headers, https=https)
                request(port, "/", "POST", headers, body=MEDICAL, https=https)
                request(port, "/login", "POST", headers, body="password=x", https=https)
        yield {"gunicorn": gunicorn, "caddy": caddy, "nginx": nginx}


def route(stack, via):
    """(port, https, host) for a request straight to gunicorn or via a proxy."""
    if via == "gunicorn":
        return stack["gunicorn"].port, False, "127.0.0.1"
    proxy = stack[via]
    return proxy.port, proxy.https, proxy.host


@pytest.mark.parametrize("path", ["/login", "/logout", "/nope", "/book"])
@pytest.mark.parametrize("via", ["gunicorn", "caddy", "nginx"])
def test_huge_bodies_are_refused_and_leave_the_worker_as_it_was(stack, via, path):
    port, https, host = route(stack, via)
    master = stack["gunicorn"].process.pid
    _, peak_before = worker_memory_kb(master)
    for size, is_chunked in ((20 * MB, False), (100 * MB, False), (100 * MB, True)):
        status, sent = post_huge_body(
            port, path, size, is_chunked, host=host, https=https
        )
        expected = {413, REFUSED_UNREAD[path]} if is_chunked else {413}
        assert status in expected, (via, path, size, is_chunked, status)
        # The answer came long before the body was all sent: it was not read.
        assert sent < size // 2, (via, path, size, is_chunked, sent)
    now, peak_after = worker_memory_kb(master)
    assert peak_after - peak_before < MOST_GROWTH_KB, (peak_before, peak_after, now)
    # The site still answers, and nothing went wrong inside.
    assert request(port, "/healthz", headers={"Host": host}, https=https).status == 200
    log = stack["gunicorn"].log()
    assert "Unhandled error" not in log
    assert "Error handling request" not in log


# --- gunicorn's own warnings ---------------------------------------------------


def raw(port, data):
    """Send raw bytes to gunicorn; return the first line of its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /" + b"a" * 8000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "414"),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", "400"),
    ],
    ids=["request line too long", "bad version", "bad header name"],
)
def test_gunicorn_warnings_name_no_client_address(stack, data, status):
    gunicorn = stack["gunicorn"]
    before = len(gunicorn.log())
    assert status in raw(gunicorn.port, data)
    assert wait_until(lambda: "Invalid request" in gunicorn.log()[before:], 10)
    written = gunicorn.log()[before:]
    [warning] = [line for line in written.splitlines() if "Invalid request" in line]
    assert "ip=-" in warning
    assert "127.0.0.1" not in written
    # The line that says where gunicorn listens keeps its own address.
    assert f"Listening at: http://127.0.0.1:{gunicorn.port}" in gunicorn.log()
