"""Failed logins are throttled per client, in SQLite, across every worker."""

import http.cookiejar
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from webapp import create_app

from .conftest import csrf_token_from, log_in
from .servers import Gunicorn, production_env

SECRET = "test-secret-key-not-for-production"
ATTACKER = {"REMOTE_ADDR": "203.0.113.77"}
NEIGHBOUR = {"REMOTE_ADDR": "198.51.100.9"}
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_apps(database_path, owner_password):
    """Two separate app instances on one database, like two gunicorn workers."""
    config = {"TESTING": True, "SECRET_KEY": SECRET, "DATABASE": str(database_path)}
    return create_app(config), create_app(config)


def _client(app, environ=ATTACKER):
    """A client of ``app`` that comes from the address in ``environ``."""
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def _fail(client):
    """One login attempt with a wrong password; return the response."""
    return log_in(client, "this is not the password")


def test_sixth_failure_in_a_row_gets_429_across_two_app_instances(two_apps):
    clients = [_client(app) for app in two_apps]
    for attempt in range(5):
        response = _fail(clients[attempt % 2])
        assert response.status_code == 401, f"attempt {attempt + 1}"
    response = _fail(clients[1])
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 600
    html = response.get_data(as_text=True)
    assert "Too many attempts from your connection" in html
    assert "wait 10 minutes" in html
    assert 'role="alert"' in html


def test_throttled_client_cannot_log_in_even_with_the_right_password(
    two_apps, owner_password
):
    first, second = (_client(app) for app in two_apps)
    for _ in range(5):
        _fail(first)
    response = log_in(second, owner_password)
    assert response.status_code == 429
    assert second.get("/stats").status_code == 302


def test_other_clients_are_not_throttled(two_apps, owner_password):
    attacker = _client(two_apps[0])
    for _ in range(6):
        _fail(attacker)
    owner = _client(two_apps[1], NEIGHBOUR)
    assert log_in(owner, owner_password).status_code == 302
    assert owner.get("/stats").status_code == 200


def test_neighbouring_ipv6_addresses_share_one_allowance(two_apps):
    for number in range(5):
        client = _client(two_apps[number % 2], {"REMOTE_ADDR": f"2001:db8::{number}"})
        assert _fail(client).status_code == 401
    client = _client(two_apps[0], {"REMOTE_ADDR": "2001:db8::ffff"})
    assert _fail(client).status_code == 429


def test_failures_expire_after_the_window(two_apps, database_path, owner_password):
    client = _client(two_apps[0])
    for _ in range(6):
        _fail(client)
    assert _fail(client).status_code == 429
    # Eleven minutes pass.
    conn = sqlite3.connect(database_path)
    with conn:
        conn.execute("UPDATE login_attempts SET attempted_at = attempted_at - 660")
    conn.close()
    assert log_in(client, owner_password).status_code == 302


def test_retry_after_counts_down_to_the_oldest_failure(two_apps, database_path):
    client = _client(two_apps[0])
    for _ in range(5):
        _fail(client)
    conn = sqlite3.connect(database_path)
    with conn:
        conn.execute("UPDATE login_attempts SET attempted_at = attempted_at - 540")
    conn.close()
    response = _fail(client)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "wait 1 minute " in response.get_data(as_text=True)


def test_successful_login_clears_the_count(two_apps, owner_password):
    client = _client(two_apps[0])
    for _ in range(4):
        _fail(client)
    assert log_in(client, owner_password).status_code == 302
    other = _client(two_apps[1])
    for attempt in range(5):
        assert _fail(other).status_code == 401, f"attempt {attempt + 1}"


def test_parallel_guesses_cannot_slip_past_the_limit(two_apps):
    clients = [_client(two_apps[n % 2]) for n in range(12)]
    tokens = [
        csrf_token_from(client.get("/login").get_data(as_text=True))
        for client in clients
    ]

    def guess(number):
        return (
            clients[number]
            .post(
                "/login",
                data={
                    "csrf_token": tokens[number],
                    "password": f"guess number {number}",
                },
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(guess, range(12)))
    assert statuses == [401] * 5 + [429] * 7


def test_the_client_address_is_never_stored(two_apps, database_path):
    client = _client(two_apps[0])
    for _ in range(3):
        _fail(client)
    conn = sqlite3.connect(database_path)
    keys = [row[0] for row in conn.execute("SELECT client_key FROM login_attempts")]
    conn.close()
    assert len(keys) == 3
    assert all(len(key) == 64 and "203.0.113" not in key for key in keys)
    for path in (database_path, Path(f"{database_path}-wal")):
        if path.exists():
            assert b"203.0.113.77" not in path.read_bytes()


def test_failures_are_not_throttled_for_a_missing_csrf_token(two_apps, owner_password):
    client = _client(two_apps[0])
    for _ in range(8):
        assert client.post("/login", data={"password": "x"}).status_code == 400
    assert log_in(client, owner_password).status_code == 302


# --- The same under a real gunicorn with several workers --------------------------


@pytest.fixture
def gunicorn_url(database_path, owner_password, tmp_path):
    """The app served by gunicorn (shipped config, three workers) on 127.0.0.1."""
    env = production_env(
        database_path,
        FLASK_SECRET_KEY=SECRET,
        FLASK_SESSION_COOKIE_SECURE="false",
    )
    log_path = tmp_path / "gunicorn.log"
    with Gunicorn(env, PROJECT, log_path, args=["--workers", "3"]) as server:
        yield f"http://127.0.0.1:{server.port}"


def test_gunicorn_workers_share_one_allowance(gunicorn_url):
    def attempt(number):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(gunicorn_url + "/login", timeout=10) as page:
            token = csrf_token_from(page.read().decode())
        body = urllib.parse.urlencode(
            {"csrf_token": token, "password": f"guess number {number}"}
        ).encode()
        try:
            with opener.open(gunicorn_url + "/login", data=body, timeout=20) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    with ThreadPoolExecutor(max_workers=9) as pool:
        statuses = sorted(pool.map(attempt, range(9)))
    assert statuses == [401] * 5 + [429] * 4
