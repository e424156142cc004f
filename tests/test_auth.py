"""The owner's login: who gets in, who does not, and where they land."""

import sqlite3

import pytest

from webapp import create_app

from .conftest import OWNER_PASSWORD, csrf_token_from, log_in

OWNER_PAGES = ["/stats", "/stats?period=7d"]


# --- Anonymous visitors are kept out ---------------------------------------------


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_anonymous_visitor_is_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert response.headers["Cache-Control"] == "no-store"
    assert "signed in" not in response.get_data(as_text=True)


def test_login_page_brings_the_owner_back_to_the_page_asked_for(client, owner_password):
    first = client.get("/stats?period=7d")
    login_url = first.headers["Location"]
    page = client.get(login_url).get_data(as_text=True)
    assert 'name="next" value="/stats?period=7d"' in page
    response = log_in(client, owner_password, next_path="/stats?period=7d")
    assert response.headers["Location"] == "/stats?period=7d"


def test_anonymous_htmx_request_gets_401_and_a_way_back_to_login(client):
    response = client.get(
        "/stats",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://localhost/stats?period=30d",
        },
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/stats?period%3D30d"
    assert "sign in again" in response.get_data(as_text=True)


def test_anonymous_htmx_request_never_redirects_to_another_site(client):
    response = client.get(
        "/stats",
        headers={"HX-Request": "true", "HX-Current-URL": "http://x//evil.example/"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/stats"


def test_anonymous_json_request_gets_401_json(client):
    response = client.get("/stats", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "login required", "login_url": "/login"}


def test_anonymous_csv_request_gets_401(client):
    response = client.get("/stats?format=csv", headers={"Accept": "text/csv"})
    assert response.status_code == 401
    assert response.mimetype == "text/plain"


# --- Logging in ------------------------------------------------------------------


def test_right_password_opens_the_stats_page(client, owner_password):
    response = log_in(client, owner_password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/stats"
    page = client.get("/stats")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Only you can see this page" in html
    assert 'action="/logout"' in html


def test_session_cookie_is_httponly_and_samesite_lax(client, owner_password):
    response = log_in(client, owner_password)
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_debug(
    monkeypatch, database_path, owner_password
):
    monkeypatch.setenv("FLASK_SECRET_KEY", "a-real-secret-for-this-test-only-123456")
    app = create_app({"DATABASE": str(database_path)})
    client = app.test_client()
    response = log_in(client, owner_password)
    assert response.status_code == 302
    assert "Secure" in _session_cookie(response)


def _session_cookie(response):
    """The session's Set-Cookie header (a login also sets the known device's)."""
    cookies = response.headers.getlist("Set-Cookie")
    return next(cookie for cookie in cookies if cookie.startswith("session="))


def test_wrong_password_is_refused_with_a_clear_message(client, owner_password):
    response = log_in(client, "not the password at all")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "That password is not right." in html
    assert "4 more attempts" in html
    assert 'role="alert"' in html
    assert 'aria-describedby="login-error"' in html
    assert "<title>Error: " in html
    assert client.get("/stats").status_code == 302


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"password": ""},
        # Far over the longest password, within MAX_CONTENT_LENGTH (64 KB).
        {"password": "x" * 60_000},
        {"password": "\x00\x01\x02"},
        {"password": ["one", "two"]},
    ],
    ids=["no-field", "empty", "huge", "control-chars", "twice"],
)
def test_odd_login_posts_are_refused_without_an_error(client, owner_password, form):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, **form})
    assert response.status_code == 401
    assert client.get("/stats").status_code == 302


def test_login_without_a_password_set_says_how_to_set_one(client):
    html = client.get("/login").get_data(as_text=True)
    assert "No owner password has been set yet" in html
    assert "flask" not in html
    assert 'type="password"' not in html


def test_login_page_is_not_cached_and_not_indexed(client, owner_password):
    response = client.get("/login")
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(
        as_text=True
    )


def test_logged_in_owner_visiting_login_goes_straight_on(client, owner_password):
    log_in(client, owner_password)
    response = client.get("/login?next=/stats?period=90d")
    assert response.status_code == 302
    assert response.headers["Location"] == "/stats?period=90d"


def test_login_sets_the_owner_flag_used_by_click_logging(app, owner_password):
    client = app.test_client()
    log_in(client, owner_password)
    with client.session_transaction() as session:
        assert session["owner"] is True


def test_login_starts_a_fresh_session(client, owner_password):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before = dict(session)
    log_in(client, owner_password)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["owner_sid"] != before.get("owner_sid")


# --- CSRF --------------------------------------------------------------------------


def test_login_without_csrf_token_is_rejected_clearly(client, owner_password):
    client.get("/login")
    response = client.post("/login", data={"password": owner_password})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form had expired or did not come from this site" in html
    # A fresh form is offered at once.
    assert csrf_token_from(html)
    assert client.get("/stats").status_code == 302


def test_login_with_wrong_csrf_token_is_rejected_clearly(client, owner_password):
    client.get("/login")
    response = client.post(
        "/login", data={"password": owner_password, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert client.get("/stats").status_code == 302


def test_csrf_token_from_another_session_is_rejected(app, owner_password):
    attacker = app.test_client()
    token = csrf_token_from(attacker.get("/login").get_data(as_text=True))
    victim = app.test_client()
    response = victim.post(
        "/login", data={"password": owner_password, "csrf_token": token}
    )
    assert response.status_code == 400


def test_logout_without_csrf_token_changes_nothing(owner_client):
    response = owner_client.post("/logout")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was changed" in html
    assert 'action="/logout"' in html
    assert owner_client.get("/stats").status_code == 200


# --- Logging out --------------------------------------------------------------------


def _log_out(client):
    """Press the page's own Sign out button."""
    token = csrf_token_from(client.get("/stats").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def test_logout_ends_the_session(owner_client):
    response = _log_out(owner_client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You are signed out." in owner_client.get("/login").get_data(as_text=True)
    assert owner_client.get("/stats").status_code == 302


def test_old_cookie_no_longer_grants_access_after_logout(app, owner_password):
    client = app.test_client()
    log_in(client, owner_password)
    stolen = client.get_cookie("session").value
    _log_out(client)

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/stats")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with replay.session_transaction() as session:
        assert "owner" not in session


def test_logout_is_only_by_post(owner_client):
    assert owner_client.get("/logout").status_code == 405
    assert owner_client.get("/stats").status_code == 200


def test_new_password_signs_out_every_session(app, owner_client, database_path):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["set-password", "--stdin"], input="a brand new pass phrase\n"
    )
    assert result.exit_code == 0, result.output
    assert owner_client.get("/stats").status_code == 302


def test_owner_session_is_not_checked_for_readers_without_a_cookie(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")


def test_broken_session_table_never_breaks_a_readers_page(app, owner_client):
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("DROP TABLE owner_sessions")
    conn.close()
    assert owner_client.get("/robots.txt").status_code == 200
    assert owner_client.get("/book?from=header").status_code == 302
    # ...and fails closed for the owner pages.
    assert owner_client.get("/stats").status_code == 302


# --- No open redirects --------------------------------------------------------------

EVIL_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/%2Fevil.example",
    "/%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\r\n/evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " //evil.example",
    "https:evil.example",
    "/login",
    "/logout",
    "",
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_parameter_never_leaves_the_site(client, owner_password, target):
    response = log_in(client, owner_password, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/stats"


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_in_the_query_string_never_leaves_the_site(client, owner_password, target):
    log_in(client, owner_password)
    response = client.get("/login", query_string={"next": target})
    assert response.headers["Location"] == "/stats"


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_form_never_carries_an_unsafe_next(client, owner_password, target):
    html = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" value="/stats"' in html


@pytest.mark.parametrize("target", ["/stats", "/stats?period=7d&from=2025-01-01", "/"])
def test_next_may_be_any_page_of_this_site(client, owner_password, target):
    response = log_in(client, owner_password, next_path=target)
    assert response.headers["Location"] == target


def test_wrong_password_keeps_next_in_the_form(client, owner_password):
    response = log_in(client, "wrong wrong wrong", next_path="/stats?period=30d")
    assert 'name="next" value="/stats?period=30d"' in response.get_data(as_text=True)


def test_password_is_never_echoed_back(client, owner_password):
    response = log_in(client, "my-secret-<script>-guess")
    html = response.get_data(as_text=True)
    assert "my-secret" not in html
    assert OWNER_PASSWORD not in html
