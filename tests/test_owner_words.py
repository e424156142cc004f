"""Pages the owner reads name no command: they say who can help, and where.

The owner cannot run a command from a web page, and the one a page could name
(`flask --app webapp set-password`) is the wrong one on a server. The login
page, its locked-out answer and the error pages say who to ask (the person
who set up the server) and which section of the set-up guide says what to do.
"""

import html as html_module
import re

import pytest

from webapp import create_app
from webapp.core.db import connect
from webapp.digest import views

from .conftest import csrf_token_from, log_in, make_app, store_owner_password

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
    assert "Forgotten it, or locked out? Ask the person who set up" in " ".join(
        html.split()
    )
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


# --- The weekly letter's page: mail not set up ----------------------------------

MAIL_NOT_SET = (
    "E-mail isn't set up yet: ask whoever runs your site "
    "(docs/deploy.md, 'The weekly letter')."
)
# A setting's name, or the practice's zone as the settings spell it.
SETTING_WORDS = re.compile(r"FLASK_|MAIL_|DIGEST_TO|America/|Europe/")


def page_words(response):
    """The visible words of a response, entities read."""
    return html_module.unescape(visible_text(response.get_data(as_text=True)))


def mail_ready_app(database_path):
    """The app with mail settings that pass every check (nothing is sent)."""
    return make_app(
        database_path,
        DIGEST_TO="owner@massage.example",
        MAIL_SERVER="smtp.massage.example",
        MAIL_PORT=587,
        MAIL_USE_TLS="true",
        MAIL_USERNAME="letters@massage.example",
        MAIL_PASSWORD="app-password",
        MAIL_DEFAULT_SENDER="letters@massage.example",
    )


def test_the_letters_page_says_who_sets_up_mail_and_disables_the_button(owner_client):
    response = owner_client.get("/stats/digest")
    words = page_words(response)
    assert MAIL_NOT_SET in words
    assert not SETTING_WORDS.findall(words), SETTING_WORDS.findall(words)
    button = re.search(r"<button[^>]*>Send me a copy</button>", response.text).group(0)
    assert " disabled" in button and 'aria-describedby="digest-settings"' in button


def test_a_copy_asked_for_without_mail_is_refused_in_the_same_words(owner_client, db):
    page = owner_client.get("/stats/digest").get_data(as_text=True)
    week = re.search(r'name="week" value="([\d-]+)"', page).group(1)
    response = owner_client.post(
        "/stats/digest/send",
        data={"week": week, "csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    status = re.search(r'<div role="status">(.*?)</div>', response.text, re.S)
    assert MAIL_NOT_SET in html_module.unescape(status.group(1))
    assert not SETTING_WORDS.findall(page_words(response))
    assert db["digest_sends"].count == 0  # nothing tried, nothing recorded


def test_with_mail_set_up_the_button_works_and_the_words_go(database_path):
    app = mail_ready_app(database_path)
    client = app.test_client()
    store_owner_password(database_path)
    assert log_in(client).status_code == 302
    response = client.get("/stats/digest")
    assert "isn't set up yet" not in page_words(response)
    button = re.search(r"<button[^>]*>Send me a copy</button>", response.text).group(0)
    assert "disabled" not in button


def test_past_sends_read_in_local_time_and_name_no_setting(database_path):
    app = mail_ready_app(database_path)
    db = connect(str(database_path))
    db["digest_sends"].insert_all(
        [
            {"week": "2026-11-23", "attempted_at": "2026-11-30T12:05:00Z",
             "recipients": 1, "status": "sent", "detail": "", "forced": 0},
            {"week": "2026-11-30", "attempted_at": "2026-12-07T12:05:00Z",
             "recipients": 1, "status": "failed", "forced": 1,
             "detail": "smtp.massage.example:587 refused the login for "
                       "FLASK_MAIL_USERNAME (535 no): check the username"},
        ]
    )  # fmt: skip
    db.conn.close()
    client = app.test_client()
    store_owner_password(database_path)
    assert log_in(client).status_code == 302
    words = page_words(client.get("/stats/digest"))
    # New York is five hours behind UTC in winter: 12:05 UTC is 7:05 AM there.
    assert "Nov 23 – 29" in words or "Nov 23 – Nov 29" in words
    assert "November 30, 2026, 7:05 AM" in words
    assert "December 7, 2026, 7:05 AM" in words
    assert "not sent (on request): the e-mail settings need a look" in words
    assert not SETTING_WORDS.findall(words)
    assert "2026-11-30T" not in words and "(UTC)" not in words


def test_a_failed_copy_naming_a_setting_reads_as_who_to_ask():
    message = views.owner_words(
        "the copy of the letter for Nov 30 – Dec 6 was not sent: smtp.example.com:587 "
        "does not offer STARTTLS: for port 465 set FLASK_MAIL_USE_SSL=true",
        "Nov 30 – Dec 6",
    )
    assert message == (
        "the copy of the letter for Nov 30 – Dec 6 was not sent: the e-mail settings "
        "need a look: ask whoever runs your site (docs/deploy.md, 'The weekly letter')"
    )
    plain = "the copy of the letter for X was not sent: could not reach h:587 (refused)"
    assert views.owner_words(plain, "X") == plain
