"""The login throttle cannot be multiplied by owning more addresses, nor turned
against the owner: IPv6 /56 and /48 buckets, the site-wide hourly ceiling,
the owner's known device, and ``unlock``."""

import ipaddress
import sqlite3

import pytest

from webapp import create_app
from webapp.auth.devices import COOKIE_NAME

from .conftest import csrf_token_from, log_in

SECRET = "test-secret-key-not-for-production"
WRONG = "this is not the password"
ATTACKER = "203.0.113.77"


def _app(database_path, **config):
    """The app on the test database, with ``config`` on top of the test settings."""
    settings = {"TESTING": True, "SECRET_KEY": SECRET, "DATABASE": str(database_path)}
    return create_app({**settings, **config})


def _from(app, address):
    """A fresh browser on ``app`` whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail(app, address):
    """One wrong password from a fresh browser at ``address``; the status."""
    return log_in(_from(app, address), WRONG).status_code


def _owner_device(app, owner_password, address="192.0.2.10"):
    """The owner's browser, signed in once (so it is a known device), then out."""
    owner = _from(app, address)
    response = log_in(owner, owner_password)
    assert response.status_code == 302
    assert owner.get_cookie(COOKIE_NAME, path="/login") is not None
    owner.post("/logout", data={"csrf_token": _token(owner, "/stats")})
    assert owner.get("/stats").status_code == 302
    return owner


def _token(client, path):
    """The CSRF token of the form on ``path``."""
    return csrf_token_from(client.get(path).get_data(as_text=True))


# --- IPv6: a /48 is one allowance, not 65,536 ----------------------------------


def test_many_slash_64s_of_one_slash_56_share_its_allowance(app, owner_password):
    # Each attempt from a different /64 of 2001:db8:0:100::/56.
    statuses = [_fail(app, f"2001:db8:0:1{n:02x}::1") for n in range(11)]
    assert statuses == [401] * 10 + [429]


def test_many_slash_64s_of_one_slash_48_hit_its_shared_limit(app, owner_password):
    # Each attempt from a different /56 (and so /64) of 2001:db8:7::/48.
    statuses = [_fail(app, f"2001:db8:7:{n:02x}00::1") for n in range(21)]
    assert statuses == [401] * 20 + [429]
    # Any other /64 of that /48 waits too; another /48 does not.
    assert _fail(app, "2001:db8:7:ffff::abcd") == 429
    assert _fail(app, "2001:db8:8::1") == 401


def test_the_slash_48_limit_holds_behind_a_proxy(database_path, owner_password):
    app = _app(database_path, PROXY_COUNT=1)
    statuses = []
    for n in range(21):
        client = _from(app, "127.0.0.1")
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"2001:db8:7:{n:02x}00::1"
        statuses.append(log_in(client, WRONG).status_code)
    assert statuses == [401] * 20 + [429]


def test_one_slash_64_still_gets_five_attempts(app, owner_password):
    statuses = [_fail(app, f"2001:db8:5:5::{n + 1:x}") for n in range(6)]
    assert statuses == [401] * 5 + [429]


# --- The site-wide ceiling ---------------------------------------------------------


def test_failures_from_many_ipv4_clients_hit_the_hourly_ceiling(
    database_path, owner_password
):
    app = _app(database_path, LOGIN_MAX_FAILURES_PER_HOUR=12)
    statuses = [_fail(app, f"198.51.100.{n}") for n in range(1, 14)]
    assert statuses == [401] * 12 + [429]
    response = log_in(_from(app, "192.0.2.200"), owner_password)
    assert response.status_code == 429
    assert 3000 < int(response.headers["Retry-After"]) <= 3600
    assert "in the last hour" in response.get_data(as_text=True)


def test_a_right_password_does_not_count_against_the_ceiling(
    database_path, owner_password
):
    app = _app(database_path, LOGIN_MAX_FAILURES_PER_HOUR=3)
    for n in range(5):
        assert log_in(_from(app, f"198.51.100.{n}"), owner_password).status_code == 302
    assert [_fail(app, f"198.51.100.{n}") for n in range(10, 14)] == [401] * 3 + [429]


# --- The owner's known device --------------------------------------------------------


def test_known_device_cookie_is_signed_private_and_only_for_the_login(
    app, owner_password
):
    client = _from(app, "192.0.2.10")
    assert client.get("/").headers.get("Set-Cookie") is None
    response = log_in(client, owner_password)
    cookie = next(
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith(f"{COOKIE_NAME}=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/login" in cookie
    assert "Max-Age=7776000" in cookie  # 90 days
    # A wrong password sets no known device.
    stranger = _from(app, "192.0.2.11")
    assert COOKIE_NAME not in str(log_in(stranger, WRONG).headers)


def test_known_device_is_secure_outside_debug(
    monkeypatch, database_path, owner_password
):
    monkeypatch.setenv("FLASK_SECRET_KEY", "a-real-secret-for-this-test-only-123456")
    client = create_app({"DATABASE": str(database_path)}).test_client()
    response = log_in(client, owner_password)
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"{COOKIE_NAME}=") and "Secure" in c for c in cookies)


def test_known_device_signs_in_during_a_lockout_of_its_connection(app, owner_password):
    owner = _owner_device(app, owner_password, ATTACKER)
    for _ in range(6):
        _fail(app, ATTACKER)
    assert _fail(app, ATTACKER) == 429
    page = owner.get("/login")
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)
    assert log_in(owner, WRONG).status_code == 401
    assert log_in(owner, owner_password).status_code == 302
    assert owner.get("/stats").status_code == 200


def test_known_device_signs_in_during_the_site_wide_lockout(
    database_path, owner_password
):
    app = _app(database_path, LOGIN_MAX_FAILURES_PER_HOUR=4)
    owner = _owner_device(app, owner_password, "2001:db8:1::1")
    for n in range(5):
        _fail(app, f"198.51.100.{n}")
    assert _fail(app, "192.0.2.99") == 429
    assert 'name="password"' in owner.get("/login").get_data(as_text=True)
    assert log_in(owner, WRONG).status_code == 401
    assert log_in(owner, owner_password).status_code == 302


def test_known_device_with_wrong_passwords_gets_its_own_pause(app, owner_password):
    owner = _owner_device(app, owner_password)
    statuses = [log_in(owner, WRONG).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = log_in(owner, owner_password)
    assert response.status_code == 429
    assert "Too many attempts from this browser" in response.get_data(as_text=True)
    # Its guesses were its own: its connection keeps its allowance.
    assert _fail(app, "192.0.2.10") == 401


def test_a_forged_or_stale_known_device_cookie_is_ignored(app, owner_password, runner):
    owner = _owner_device(app, owner_password, ATTACKER)
    real = owner.get_cookie(COOKIE_NAME, path="/login").value
    for _ in range(5):
        _fail(app, ATTACKER)
    forger = _from(app, ATTACKER)
    forger.set_cookie(COOKIE_NAME, real[:-2] + "xx", path="/login")
    assert log_in(forger, owner_password).status_code == 429
    # A new password forgets every known device.
    result = runner.invoke(args=["set-password"], input="another long passphrase\n")
    assert result.exit_code == 0, result.output
    assert log_in(owner, "another long passphrase").status_code == 429


# --- unlock ------------------------------------------------------------------------


def test_unlock_clears_every_bucket_and_the_ceiling(database_path, owner_password):
    app = _app(database_path, LOGIN_MAX_FAILURES_PER_HOUR=8)
    for _ in range(6):
        _fail(app, ATTACKER)
    for n in range(3):
        _fail(app, f"2001:db8:9:{n:02x}00::1")
    assert _fail(app, "192.0.2.1") == 429
    result = app.test_cli_runner().invoke(args=["unlock"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert "Login unlocked" in result.output
    conn = sqlite3.connect(database_path)
    counts = [
        conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("login_attempts", "login_ceiling")
    ]
    conn.close()
    assert counts == [0, 0]
    assert log_in(_from(app, ATTACKER), owner_password).status_code == 302


def test_unlock_help_has_an_example(runner):
    result = runner.invoke(args=["unlock", "--help"])
    assert "flask --app webapp unlock" in result.output


# --- No address is stored -------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["203.0.113.77", "2001:db8:abcd:1234:5678:9abc:def0:1234"],
)
def test_no_client_address_reaches_the_database_file(
    app, database_path, owner_password, address
):
    for _ in range(3):
        _fail(app, address)
    log_in(_from(app, address), owner_password)
    ip = ipaddress.ip_address(address)
    forms = {address, ip.exploded, ip.compressed}
    if ip.version == 6:
        for prefix in (64, 56, 48):
            network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
            forms |= {str(network), str(network.network_address)}
    for path in (database_path, database_path.with_name(f"{database_path.name}-wal")):
        if path.exists():
            data = path.read_bytes()
            for form in forms:
                assert form.encode() not in data, form
                assert ip.packed not in data
