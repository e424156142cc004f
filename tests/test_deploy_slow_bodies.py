"""Slow request bodies never reach gunicorn: the shipped proxies read them whole.

The attack from the pen-test (issue 24): gunicorn's gthread worker hands a
connection to one of its threads as soon as the request's headers are in,
and that thread then blocks reading the form until its last byte. A client
that declares ``Content-Length: 60000`` for POST /login and sends a byte now
and then holds a thread for as long as it likes; through a proxy that
streams bodies (Caddy did), four such clients took / and /healthz down.

gunicorn runs here with the shipped config but WEBAPP_WORKERS=1 and
WEBAPP_THREADS=2: two slow bodies then hold every thread, so the three this
test opens (one to spare) starve the site behind a streaming proxy within
seconds, where the shipped 3 workers x 2 threads would need seven clients.
The proxies are the shipped Caddyfile and nginx site (tests/servers.py,
Proxy), on loopback.
"""

import re
import select
import socket
import ssl
import threading

import pytest

from .servers import Proxy, request, serving, wait_until

SLOW_CLIENTS = 3
# A byte every half second: slow enough to hold a reading thread, and a few
# bytes in soon enough to be sure a streaming proxy has passed each on.
INTERVAL = 0.5
BYTES_BEFORE_PROBING = 4
# Generous: through a proxy that buffers, / answers in well under a second.
ANSWER_SECONDS = 10
DEADLINE_SECONDS = 30
PROXIES = ["caddy", "nginx"]
# The body-read limits, shortened so that a stalled body is cut off within
# seconds. Each edit must find the shipped value, so the test also fails if
# the limit is gone: Caddy's read_body is 120 s for the whole request (Caddy
# 2.6 has one limit for every route), nginx's client_body_timeout 10 s of
# silence (60 s on the bookings upload).
SHORT_LIMITS = {
    "caddy": [("\t\t\tread_body 120s\n", "\t\t\tread_body 2s\n")],
    "nginx": [("    client_body_timeout 10s;\n", "    client_body_timeout 2s;\n")],
}


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn with the shipped config, one worker of two threads."""
    folder = tmp_path_factory.mktemp("slow-bodies")
    settings = {"WEBAPP_WORKERS": "1", "WEBAPP_THREADS": "2"}
    with serving(folder, FLASK_PROXY_COUNT="1", **settings) as server:
        yield server


def open_form(proxy, length=60000, path="/login"):
    """A connection to the proxy that has sent a form's headers, no body yet."""
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    if proxy.https:
        context = ssl._create_unverified_context()  # the test's self-signed cert
        sock = context.wrap_socket(sock, server_hostname="example.com")
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: {proxy.host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode("ascii")
    )
    return sock


class SlowBody:
    """A client sending a 60,000-byte form to the proxy one byte at a time.

    Its thread sends a byte every INTERVAL seconds until ``close``, or until
    the proxy answers or closes the connection (then ``ended`` is set).
    """

    def __init__(self, proxy):
        self.sock = open_form(proxy)
        self.sent = 0
        self.ended = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, daemon=True)
        self._thread.start()

    def _dribble(self):
        while not self._stop.is_set():
            readable, _, _ = select.select([self.sock], [], [], INTERVAL)
            if self._stop.is_set():
                return
            try:
                if readable:
                    self.sock.recv(4096)  # an answer, or b"" when closed
                    self.ended.set()
                    return
                self.sock.sendall(b"x")
                self.sent += 1
            except OSError:
                self.ended.set()
                return

    def close(self):
        """Stop sending and hang up, as an attacker who gives up."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def answers(proxy, path):
    """The status of GET ``path`` through the proxy, or a failure after a wait."""
    try:
        response = request(
            proxy.port,
            path,
            headers={"Host": proxy.host},
            https=proxy.https,
            timeout=ANSWER_SECONDS,
        )
    except OSError as error:
        pytest.fail(
            f"GET {path} got no answer within {ANSWER_SECONDS} s while "
            f"{SLOW_CLIENTS} slow bodies were open ({error!r})"
        )
    return response.status


def saw_posts(server, since):
    """The POST /login lines gunicorn logged after offset ``since``.

    A GET /healthz through the proxy goes first and is waited for in the
    log, so anything the proxy passed on before it has been logged too.
    """
    return [line for line in server.log()[since:].splitlines() if "POST /login" in line]


def log_settles(server, proxy):
    """Ask for /healthz through the proxy and wait until gunicorn logged it."""
    before = server.log().count('"GET /healthz ')
    assert answers(proxy, "/healthz") == 200
    assert wait_until(lambda: server.log().count('"GET /healthz ') > before), (
        "gunicorn never logged GET /healthz"
    )


@pytest.mark.parametrize("kind", PROXIES)
def test_slow_bodies_leave_the_site_answering(gunicorn, tmp_path, kind):
    since = len(gunicorn.log())
    with Proxy(kind, tmp_path / kind, gunicorn.port) as proxy:
        clients = [SlowBody(proxy) for _ in range(SLOW_CLIENTS)]
        try:
            # The attack is under way once every client has sent a few
            # bytes: a proxy that streams bodies has handed each to a
            # gunicorn thread by then.
            assert wait_until(
                lambda: all(c.sent >= BYTES_BEFORE_PROBING for c in clients)
            ), "a slow client never got its first bytes through"
            assert answers(proxy, "/healthz") == 200
            assert answers(proxy, "/") == 200
            # They answered during the attack: every slow client was still
            # connected and sending.
            assert not any(c.ended.is_set() for c in clients)
        finally:
            for client in clients:
                client.close()
        log_settles(gunicorn, proxy)
    # Bodies that never ended never reached gunicorn at all.
    assert saw_posts(gunicorn, since) == []


@pytest.mark.parametrize("kind", PROXIES)
def test_a_stalled_body_is_cut_off_by_the_proxy(gunicorn, tmp_path, kind):
    since = len(gunicorn.log())
    proxy = Proxy(kind, tmp_path / kind, gunicorn.port, edits=SHORT_LIMITS[kind])
    with proxy:
        sock = open_form(proxy)
        with sock:
            sock.sendall(b"password=")
            # Then nothing: the proxy must give up on the body by itself.
            sock.settimeout(DEADLINE_SECONDS)
            answer = b""
            try:
                while chunk := sock.recv(4096):
                    answer += chunk
            except TimeoutError:
                pytest.fail(f"{kind} kept a stalled body for {DEADLINE_SECONDS} s")
            except OSError:
                pass  # reset: cut off all the same
        # Closed, with no answer or an empty one: never the app's. Caddy 2.6
        # takes a body that timed out for a client that went away, and
        # closes with an empty "200 OK" instead of a 408.
        head, _, body = answer.partition(b"\r\n\r\n")
        assert body == b"", answer
        assert head == b"" or re.match(rb"HTTP/1\.1 (200|408|4\d\d|5\d\d) ", head)
        if head.startswith(b"HTTP/1.1 200 "):
            assert b"\r\nContent-Length: 0\r\n" in head
            assert b"\r\nConnection: close" in head
        log_settles(gunicorn, proxy)
    assert saw_posts(gunicorn, since) == []
