"""Pages the owner reads name no command: they say who can help, and where.

The owner cannot run a command from a web page, and the one a page could name
(`flask --app webapp set-password`) is the wrong one on a server. The login
page, its locked-out answer and the error pages say who to ask (the person
who set up the server) and which section of the set-up guide says what to do.
"""

import re

import pytest

from webapp import create_app

from .conftest import log_in

WHO = "the person who set up this site’s server"
SECTION = "the set-up guide’s section “Lost your password or locked out?”"
# What a page for the owner never says: a command, a program, a file name.
COMMAND_WORDS = re.compile(
    r"flask|--app|sudo|manage\.sh|set-password|\bunlock\b|"
    r"[\w/-]+\.(?:py|md|sh|yaml|yml)\b",
    re.IGNORECASE,
)


def visible_text(html):
    """The page's words (no tags, no head): what a reader can see."""
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def assert_names_no_command(html):
    """Neither the words nor the markup of the page name a command or a file."""
    text = visible_text(html)
    assert not COMMAND_WORDS.findall(text), COMMAND_WORDS.findall(text)
    assert "owner-command" not in html


def assert_says_who_can_help(html):
    text = " ".join(html.split())
    assert WHO in text
    assert SECTION in text


def test_login_without_a_password_says_who_sets_one(client):
    html = client.get("/login").get_data(as_text=True)
    assert "No owner password has been set yet" in html
    assert_names_no_command(html)
    assert_says_who_can_help(html)


def test_login_form_says_who_helps_with_a_forgotten_password(client, owner_password):
    html = client.get("/login").get_data(as_text=True)
    assert 'type="password"' in html
    assert_names_no_command(html)
    assert_says_who_can_help(html)


def test_locked_out_answer_says_who_can_lift_the_lock(database_path, owner_password):
    app = create_app(
        {"TESTING": True, "DATABASE": str(database_path), "SECRET_KEY": "k" * 40}
    )
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.50"
    statuses = [log_in(browser, "not the password").status_code for _ in range(12)]
    assert statuses[-1] == 429
    response = log_in(browser, "not the password")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "wait" in html
    assert_names_no_command(html)
    assert_says_who_can_help(html)


@pytest.fixture
def failing_client(database_path):
    app = create_app({"TESTING": True, "DATABASE": str(database_path)})
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode():
        raise RuntimeError("internals")

    return app.test_client()


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("get", "/no/such/page", 404),
        ("get", "/explode", 500),
        ("put", "/", 405),
    ],
)
def test_error_pages_name_no_command(failing_client, method, path, code):
    response = getattr(failing_client, method)(path)
    assert response.status_code == code
    assert_names_no_command(response.get_data(as_text=True))
