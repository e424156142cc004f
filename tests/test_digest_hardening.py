"""The weekly letter against the outside pen-test (issue 24).

Readers cannot write into the owner's e-mail (attack 3): a campaign name or a
referrer host is shown only when it cannot carry a sentence or a link. "Send
me a copy" goes out at most once a minute for the whole site (attack 2, the
app's side). A line break in the practice's name neither breaks the letter
nor adds a header, and `flask check` names it.

Everything runs through the real app on a real SQLite file; letters arrive
at a real aiosmtpd server on loopback.
"""

import datetime
import email
import email.policy
import re
from urllib.parse import urlencode

import pytest

from webapp.core import calendar
from webapp.core.calendar import Week, practice_zone
from webapp.core.db import connect, get_db
from webapp.digest import delivery, sends
from webapp.stats.referrer_names import campaign_name_is_shown, referrer_label
from webapp.tracking import capture

from .conftest import csrf_token_from, log_in, store_owner_password, visit
from .test_digest import last_monday
from .test_digest_send import OWNER, SECOND, SITE, Inbox, mail_app, start_server

WEEK = datetime.timedelta(days=7)

# What the pen-test's links carried.
ATTACK = "Security alert: sign in again at https://evil.example/login within 24 h"
EVIL_REFERRER = "https://urgent-reset-your-password-at-evil.example/reset?now=1"
EVIL_HOST = "urgent-reset-your-password-at-evil.example"
# A reader following a link on another site: a top-level navigation they made.
CROSS_SITE = {
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-User": "?1",
}


@pytest.fixture
def inbox():
    """An aiosmtpd server on loopback keeping what arrives: (inbox, port)."""
    kept = Inbox()
    controller = start_server(kept)
    yield kept, controller.port
    controller.stop()


def message_of(envelope):
    """An arrived message, parsed."""
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def parts(message):
    """The letter's plain-text and HTML parts, as the owner's mail client reads them."""
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def reader_follows_links(client, number, *, campaign, referrer):
    """Reader ``number`` on another site opens the article, then a booking button.

    Both links carry ``utm_campaign``; the browser sends that site as Referer.
    """
    query = urlencode({"utm_campaign": campaign})
    address = {"REMOTE_ADDR": f"198.51.100.{number}"}
    for path in (f"/?{query}", f"/book?from=header&{query}"):
        response = visit(
            client,
            path,
            headers={**CROSS_SITE, "Referer": referrer},
            environ_base=address,
        )
        assert response.status_code in (200, 302)


def send_this_weeks_letter(app):
    """Send the letter for the week in progress, as if it were next Monday."""
    capture.flush()
    monday = Week.containing(calendar.today(practice_zone(app))).start
    with app.app_context():
        outcome = delivery.send_week(get_db(), app.config, monday)
    assert outcome.ok, outcome.message


# --- Attack 3: readers cannot write into the owner's e-mail ---------------------


def test_a_readers_campaign_sentence_and_host_never_reach_the_letter(
    database_path, inbox
):
    received, port = inbox
    app = mail_app(database_path, port)
    client = app.test_client()
    for n in range(5):  # five cross-site clicks carrying the sentence
        reader_follows_links(client, n, campaign=ATTACK, referrer=EVIL_REFERRER)
    for n, campaign in ((10, "spring_offer"), (11, "spring_offer")):
        reader_follows_links(
            client, n, campaign=campaign, referrer="https://www.google.com/"
        )
    reader_follows_links(
        client, 12, campaign="Mothers Day 2026", referrer="https://www.google.com/"
    )
    send_this_weeks_letter(app)
    [envelope] = received.envelopes
    text, html = parts(message_of(envelope))
    for part in (text, html):
        # Neither the sentence nor any piece of its address or host.
        assert "Security alert" not in part and "sign in again" not in part
        assert "evil.example" not in part and "https://evil" not in part
        assert EVIL_HOST not in part
        # Counted all the same, on one line; the owner's own campaigns named.
        assert "Other campaigns: 5 booking clicks" in part
        assert "spring_offer: 2 booking clicks" in part
        assert "Mothers Day 2026: 1 booking click" in part
        # The unknown host defanged; a known one by its name.
        assert "urgent-reset-your-password-at-evil[.]example: 5 unique visitors" in part
        assert "Google: 3 unique visitors, 3 booking clicks" in part
    # The HTML part links only to the site's own dashboard.
    links = re.findall(r"""href=["']([^"']+)""", html)
    assert links and all(link.startswith(SITE + "/stats?") for link in links)
    # Named campaigns first, most clicks first; the rest last.
    campaigns = text.split("Campaigns that brought booking clicks:", 1)[1]
    lines = [line for line in campaigns.splitlines() if line.startswith("- ")][:3]
    assert lines == [
        "- spring_offer: 2 booking clicks",
        "- Mothers Day 2026: 1 booking click",
        "- Other campaigns: 5 booking clicks",
    ]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("spring_offer", True),
        ("Mothers Day 2026", True),
        ("Frühling-2026", True),
        ("x" * 40, True),
        ("x" * 41, False),
        (ATTACK, False),
        ("evil.example", False),
        ("write to help@evil.example", False),
        ("https://evil.example", False),
        ("evil.example/login", False),
        ("spring offer!", False),
        ("   ", False),
        ("", False),
    ],
)
def test_which_campaign_names_the_letter_shows(name, shown):
    assert campaign_name_is_shown(name) is shown


@pytest.mark.parametrize(
    ("host", "label"),
    [
        ("www.google.com", "Google"),
        ("www.google.co.uk", "Google"),
        ("mail.google.com", "Gmail"),
        ("l.facebook.com", "Facebook"),
        ("t.co", "X (Twitter)"),
        ("google.com.evil.example", "google[.]com[.]evil[.]example"),
        ("notgoogle.com", "notgoogle[.]com"),
        ("evil.example", "evil[.]example"),
        ("security alert sign in", "Other sites"),
        ("::1", "Other sites"),
    ],
)
def test_referrers_are_named_or_defanged(host, label):
    assert referrer_label(host) == label


# --- Attack 2: one copy a minute, for the whole site ---------------------------


def owner_sends_a_copy(client, app):
    """Press "Send me a copy" as the owner's browser does without JavaScript.

    Returns the text of the page the redirect leads to.
    """
    page = client.get("/stats/digest").get_data(as_text=True)
    response = client.post(
        "/stats/digest/send",
        data={
            "week": last_monday(app).isoformat(),
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 303
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    return shown.get_data(as_text=True)


def logged_in(app):
    """A test client of ``app`` with the owner logged in."""
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


def set_last_attempt(database_path, seconds_ago):
    """Move the latest send's recorded time back, in the real SQLite file."""
    moment = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        seconds=seconds_ago
    )
    db = connect(str(database_path))
    try:
        with db.conn:
            db.execute(
                "UPDATE digest_sends SET attempted_at = ? "
                "WHERE id = (SELECT max(id) FROM digest_sends)",
                [moment.strftime(sends.TIME_FORMAT)],
            )
    finally:
        db.conn.close()


def test_send_me_a_copy_goes_out_at_most_once_a_minute_across_workers(
    database_path, inbox
):
    received, port = inbox
    store_owner_password(database_path)
    # Two apps on one database file: two gunicorn workers.
    first, second = mail_app(database_path, port), mail_app(database_path, port)
    client = logged_in(first)
    assert "Sent the letter for" in owner_sends_a_copy(client, first)
    again = owner_sends_a_copy(client, first)
    assert "Sent the letter for" not in again
    wait = re.search(
        r"The last send was \d+ seconds? ago, and copies go out at most once a "
        r"minute: try again in (\d+) seconds?\.",
        again,
    )
    assert wait and 55 <= int(wait.group(1)) <= 60, again
    assert 'class="owner-notice"' in again  # calm, not an error
    # Another worker keeps the same pace: the limit is in the database.
    other = owner_sends_a_copy(logged_in(second), second)
    assert "try again in" in other and "Sent the letter for" not in other
    assert len(received.envelopes) == 1
    assert len(db_sends(database_path)) == 1
    # Half a minute later: still waiting, for about half a minute more.
    set_last_attempt(database_path, 30)
    wait = re.search(r"try again in (\d+) seconds", owner_sends_a_copy(client, first))
    assert wait and 29 <= int(wait.group(1)) <= 30
    assert len(received.envelopes) == 1
    # A minute after the last send, a copy goes out again.
    set_last_attempt(database_path, 61)
    assert "Sent the letter for" in owner_sends_a_copy(client, first)
    assert len(received.envelopes) == 2
    assert [row["status"] for row in db_sends(database_path)] == ["sent", "sent"]


def db_sends(database_path):
    """The rows of digest_sends, oldest first."""
    db = connect(str(database_path))
    try:
        return [dict(row) for row in db["digest_sends"].rows_where(order_by="id")]
    finally:
        db.conn.close()


# --- A line break in the practice's name ---------------------------------------

BROKEN_NAME = "Reach for Serenity\r\nBcc: victim@evil.example"


def test_a_line_break_in_the_practice_name_neither_breaks_nor_adds_a_header(
    database_path, inbox
):
    received, port = inbox
    app = mail_app(
        database_path,
        port,
        PRACTICE_NAME=BROKEN_NAME,
        MAIL_DEFAULT_SENDER="Reach for\r\n Serenity <letters@massage.example>",
    )
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["digest"])
    assert printed.exit_code == 0, printed.output
    first = printed.output.splitlines()[0]
    assert first.startswith("Reach for Serenity Bcc: victim@evil.example: the article")
    sent = runner.invoke(args=["digest", "--send"])
    assert sent.exit_code == 0, sent.output
    assert sent.output.startswith("sent the letter for ")
    test = runner.invoke(args=["digest", "--send", "--test"])
    assert test.exit_code == 0, test.output
    assert len(received.envelopes) == 2
    for envelope in received.envelopes:
        assert sorted(envelope.rcpt_tos) == sorted([OWNER, SECOND])
        message = message_of(envelope)
        assert message["Bcc"] is None
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        assert message["Subject"].startswith("Reach for Serenity Bcc: victim@")
        assert message["From"] == "Reach for Serenity <letters@massage.example>"
        assert b"\nBcc:" not in envelope.content


@pytest.mark.parametrize(
    ("name", "words"),
    [
        (BROKEN_NAME, "FLASK_PRACTICE_NAME has a line break in it"),
        ("Reach for\nSerenity", "FLASK_PRACTICE_NAME has a line break in it"),
        ("Reach\tfor Serenity", "FLASK_PRACTICE_NAME has a tab in it"),
        ("Reach \u202efor Serenity", "invisible control character (U+202E)"),
    ],
)
def test_flask_check_names_a_practice_name_with_control_characters(
    database_path, name, words
):
    app = mail_app(database_path, 25, PRACTICE_NAME=name)
    with app.app_context():  # as the `flask` command gives it
        result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if "PRACTICE_NAME" in line]
    assert line.startswith("error: ") and words in line
    assert "one line of ordinary characters" in line


def test_flask_check_accepts_an_ordinary_practice_name(database_path, tmp_path):
    practice = tmp_path / "practice.yaml"
    practice.write_text("name: Chez Noëlle – Massage\u00a0& Co\n", encoding="utf-8")
    app = mail_app(database_path, 25, PRACTICE_FILE=str(practice))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["check"])
    assert "PRACTICE_NAME" not in result.output
    # As the letter shows it: runs of spaces, a no-break one too, are one space.
    assert "ok    practice name: Chez Noëlle – Massage & Co" in result.output
