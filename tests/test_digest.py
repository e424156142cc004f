"""The weekly letter's words and numbers, its preview page and its mail check.

Sending over SMTP is in test_digest_send.py; the browser checks in
browser/test_digest_browser.py.
"""

import datetime
import json
import re

import pytest
from markupsafe import escape

from webapp.core import calendar
from webapp.core.calendar import Week, practice_zone
from webapp.core.db import connect
from webapp.core.formatting import short_date
from webapp.digest import letter as letters
from webapp.digest.checks import check_mail
from webapp.tracking.vocabulary import CALL, CLICK, VIEW, WIDGET

from .conftest import csrf_token_from, make_app, record

WEEK = datetime.timedelta(days=7)


def last_monday(app):
    """The Monday of the last full week, as the command chooses it."""
    return letters.last_full_week(calendar.today(practice_zone(app)))


def at(app, day, hour=10):
    """A moment of ``day`` in the practice's time zone."""
    tz = practice_zone(app)
    return datetime.datetime.combine(day, datetime.time(hour), tz)


def letter_text(app, *args):
    """What ``flask --app webapp digest [args]`` prints."""
    result = app.test_cli_runner().invoke(args=["digest", *args])
    assert result.exit_code == 0, result.output
    return result.output


def add_traffic(app, monday, views, clickers, *, prefix="198.51.100"):
    """``views`` readers on Tuesday; the first ``clickers`` of them click once."""
    tuesday = monday + datetime.timedelta(days=1)
    for n in range(views):
        events = [{"kind": VIEW}]
        if n < clickers:
            events.append({"kind": CLICK, "placement": "header"})
        record(app, events, f"{prefix}.{n}", when=at(app, tuesday))


def add_bookings_and_notes(app, monday):
    """A confirmed import with bookings in the week, and two notes."""
    db = connect(app.config["DATABASE"])
    try:
        db["import_batches"].insert(
            {
                "id": 1,
                "imported_at": "2026-01-01T00:00:00Z",
                "confirmed_at": "2026-01-01T00:01:00Z",
                "file_name": "export.csv",
                "rows_read": 4,
                "kept": 4,
                "duplicates": 0,
            }
        )
        day = (monday + datetime.timedelta(days=2)).isoformat()
        rows = [
            ("website", 1, 9000, "completed"),
            ("website", 0, 9000, "completed"),
            ("directory", 1, 9000, "completed"),
            ("staff", 0, 9000, "cancelled"),
            # Not confirmed by the platform yet: counted nowhere in the letter.
            ("website", 1, 9000, "pending"),
        ]
        for n, (channel, new, price, status) in enumerate(rows):
            db["bookings"].insert(
                {
                    "batch": 1,
                    "fingerprint": f"f{n}",
                    "day": day,
                    "appointment": day + "T10:00",
                    "service": "Massage",
                    "price_cents": price,
                    "status": status,
                    "channel": channel,
                    "new_client": new,
                }
            )
        for text in ("Shared the article in the clinic newsletter", "Flyers out"):
            db["notes"].insert({"day": day, "text": text, "created_at": day})
    finally:
        db.conn.close()


# --- Which week -------------------------------------------------------------------


def test_the_last_full_week_runs_monday_to_sunday_before_today():
    monday = datetime.date(2026, 11, 30)
    assert letters.last_full_week(monday) == datetime.date(2026, 11, 23)
    assert letters.last_full_week(monday + WEEK - datetime.timedelta(days=1)) == (
        datetime.date(2026, 11, 23)
    )
    assert letters.chosen_week("2026-11-29", monday) == datetime.date(2026, 11, 23)
    assert letters.chosen_week("", monday) == datetime.date(2026, 11, 23)
    with pytest.raises(ValueError, match="not over yet"):
        letters.chosen_week(monday.isoformat(), monday)


def test_a_week_in_progress_or_a_bad_date_is_refused_by_the_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["digest", "--week", calendar.today(practice_zone(app)).isoformat()]
    )
    assert result.exit_code == 2
    assert "is not over yet" in result.output
    result = runner.invoke(args=["digest", "--week", "last-tuesday"])
    assert result.exit_code == 2
    assert "The week must be a date like 2025-03-18." in result.output


# --- Words for small numbers ----------------------------------------------------


def test_a_change_is_named_only_when_chance_rarely_makes_it():
    assert letters.counted(3, "booking click") == "3 booking clicks"
    assert letters.counted(1, "booking click") == "1 booking click"
    assert letters.counted(0, "booking click") == "no booking clicks"
    assert letters.counted(2, "person who pressed a booking button") == (
        "2 people who pressed a booking button"
    )
    # Three becoming nine happens by chance (see test_honesty.py): not "+200%".
    assert letters.change(9, 3) == "about the same as the week before"
    assert letters.change(4, 4) == "about the same as the week before"
    assert letters.change(25, 5) == "up from 5 the week before"
    assert letters.change(5, 25) == "down from 25 the week before"
    assert letters.change(1200, 1000) == "up from 1,000 the week before"


def test_the_issue_click_through_reads_about_the_same():
    week = {"unique_visitors": 226, "unique_clickers": 12, "click_through_rate": 0.0531}
    before = {
        "unique_visitors": 193,
        "unique_clickers": 15,
        "click_through_rate": 0.0777,
    }
    words = letters.click_through_words(week, before)
    assert words == (
        "5.3% of unique visitors went on to a booking button,"
        " about the same as the week before"
    )
    # 40 of 200 against 15 of 200 is a rise, and says from what.
    week = {"unique_visitors": 200, "unique_clickers": 40, "click_through_rate": 0.2}
    before = {
        "unique_visitors": 200,
        "unique_clickers": 15,
        "click_through_rate": 0.075,
    }
    assert letters.click_through_words(week, before).endswith(
        ", up from 7.5% the week before"
    )
    # 12 and 5 people who pressed a button: too few to compare two rates.
    week = {"unique_visitors": 60, "unique_clickers": 12, "click_through_rate": 0.2}
    before = {"unique_visitors": 50, "unique_clickers": 5, "click_through_rate": 0.1}
    assert letters.click_through_words(week, before).endswith(
        ", too few to tell yet whether that changed"
    )


def test_the_letter_says_small_numbers_as_counts(app):
    monday = last_monday(app)
    add_traffic(app, monday, views=5, clickers=3)
    add_traffic(app, monday - WEEK, views=4, clickers=2, prefix="203.0.113")
    text = letter_text(app)
    assert "- 5 page views, about the same as the week before" in text
    assert "- 3 booking clicks, about the same as the week before" in text
    assert (
        "- 3 people who pressed a booking button, about the same as the week before"
        in text
    )
    assert "3 of 5 unique visitors went on to a booking button" in text
    assert "%" not in text and "unique clicker" not in text
    assert "A quiet week" not in text
    # Five page views on one day make no "best day".
    assert "Best day" not in text and "Most page views" not in text
    # A week without a call says nothing of calls.
    assert "call" not in text.replace("booking click", "")


def add_calls(app, day, callers, prefix):
    """``callers`` readers each press the practice's phone number once on ``day``."""
    for n in range(callers):
        record(
            app,
            [{"kind": CALL, "placement": "practice"}],
            f"{prefix}.{n}",
            when=at(app, day),
        )


def test_the_letter_counts_the_calls_from_the_article(app, owner_client):
    monday = last_monday(app)
    add_traffic(app, monday, views=5, clickers=1)
    add_calls(app, monday + datetime.timedelta(days=2), 4, "198.51.100")
    add_calls(app, monday - WEEK, 1, "203.0.113")
    text = letter_text(app)
    assert "- 4 calls from the article, about the same as the week before" in text
    sunday = monday + datetime.timedelta(days=6)
    html = owner_client.get(
        f"/stats/digest/letter.html?week={sunday.isoformat()}"
    ).get_data(as_text=True)
    assert "4 calls from the article" in html


def test_a_clear_rise_is_called_one(app):
    monday = last_monday(app)
    add_traffic(app, monday, views=30, clickers=0)
    add_traffic(app, monday - WEEK, views=10, clickers=0, prefix="203.0.113")
    text = letter_text(app)
    # 30 against 10: 10 or fewer of 40 has chance about .001 each side.
    assert "- 30 page views, up from 10 the week before" in text


def add_views(app, day, views, prefix):
    """``views`` readers on ``day``, none of them clicking."""
    for n in range(views):
        record(app, [{"kind": VIEW}], f"{prefix}.{n}", when=at(app, day))


def test_a_best_day_needs_10_page_views_and_names_every_tie(app):
    monday = last_monday(app)
    tuesday, thursday = (
        monday + datetime.timedelta(days=1),
        monday + datetime.timedelta(days=3),
    )
    add_views(app, tuesday, 5, "198.51.100")
    add_views(app, thursday, 4, "203.0.113")
    assert "Best day" not in letter_text(app)  # nine page views
    add_views(app, thursday, 1, "192.0.2")
    with app.app_context():
        days = f"{short_date(tuesday)} and {short_date(thursday)}"
        one_day = letters._day_name(tuesday.isoformat())
    assert f"Most page views on {days} (5 each)" in letter_text(app)
    add_views(app, tuesday, 1, "192.0.2.1")
    assert f"Best day: {one_day}, with 6 page views\n" in letter_text(app)


def test_the_letter_names_no_setting_and_says_when_you_are_not_counted(app):
    add_traffic(app, last_monday(app), views=2, clickers=1)
    text = letter_text(app)
    assert app.config["TIME_ZONE"] not in text
    assert "not your own visits while you are signed in" in " ".join(text.split())


def test_a_quiet_week_gets_a_short_kind_letter(app):
    add_traffic(app, last_monday(app) - WEEK, views=2, clickers=0)
    text = letter_text(app)
    assert "A quiet week" in text
    assert "The week before had 2 page views." in text
    assert "0 page views" not in text and "no page views," not in text
    assert "Where readers came from" not in text
    assert len(text.strip().splitlines()) < 15
    # Nothing imported: the first sentence says how to learn what the article earns.
    assert (
        text.splitlines()[3]
        == "Import your bookings to see what the article brings in."
    )


def test_a_week_with_bookings_and_notes(app, owner_client):
    monday = last_monday(app)
    add_traffic(app, monday, views=3, clickers=1)
    add_bookings_and_notes(app, monday)
    text = letter_text(app)
    # First, what the article earned: two kept website bookings at $90, one of
    # them a new client, whose directory fee would have been max(15% of $90,
    # $6) = $13.50, about $14.
    answer = (
        f"{Week(monday).label}: 2 bookings through your website (1 new client),"
        " worth $180; the 1 new client through the directory would have cost"
        " about $14 in fees."
    )
    assert text.splitlines()[3] == answer
    assert "Kept bookings (completed or upcoming):" in text
    # 3 against none: chance makes that (1 in 4 each side).
    assert "- 3 bookings, about the same as the week before" in text
    assert "- 2 new clients" in text
    assert "- 1 cancelled or no-show" in text
    assert text.count("$") == 2  # said once, in the answer
    assert "Your notes:" in text
    assert ": Shared the article in the clinic newsletter" in text
    assert ": Flyers out" in text
    frame = owner_client.get(f"/stats/digest/letter.html?week={monday.isoformat()}")
    html = frame.get_data(as_text=True)
    assert html.index(str(escape(answer))) < html.index("Here is the week in numbers")


def test_bookings_and_notes_show_even_in_a_week_without_readers(app):
    add_bookings_and_notes(app, last_monday(app))
    text = letter_text(app)
    assert "A quiet week" not in text  # bookings came in: not quiet
    assert "Flyers out" in text


# --- The same numbers as the dashboard ------------------------------------------


def test_the_letters_numbers_equal_stats_json_and_stats_cli(app, owner_client):
    monday = last_monday(app)
    sunday = monday + datetime.timedelta(days=6)
    add_traffic(app, monday, views=41, clickers=6)
    record(
        app,
        [{"kind": CLICK, "placement": "footer"}],
        "198.51.100.0",
        when=at(app, monday + datetime.timedelta(days=1), 11),
    )
    record(
        app,
        [{"kind": WIDGET, "widget": "chooser", "detail": "therapeutic"}],
        "198.51.100.9",
        when=at(app, sunday),
    )
    add_traffic(app, monday - WEEK, views=35, clickers=2, prefix="203.0.113")
    text = letter_text(app, "--week", sunday.isoformat())
    answer = owner_client.get(
        f"/stats.json?from={monday.isoformat()}&to={sunday.isoformat()}"
    )
    totals = answer.get_json()["totals"]
    shown = {
        key: int(re.search(rf"- ([\d,]+) {words}", text).group(1).replace(",", ""))
        for key, words in (
            ("page_views", "page views"),
            ("unique_visitors", "unique visitors"),
            ("booking_clicks", "booking clicks"),
            ("unique_clickers", "people who pressed a booking button"),
        )
    }
    assert shown == {key: totals[key] for key in shown}
    assert shown["booking_clicks"] == 7 and shown["unique_clickers"] == 7
    rate = f"{totals['click_through_rate']:.1%}"
    assert f"- {rate} of unique visitors went on to a booking button" in text
    # `flask stats --json` counts back from today: from this Monday on, only
    # the letter's week holds events.
    days = (calendar.today(practice_zone(app)) - monday).days + 1
    cli = app.test_cli_runner().invoke(args=["stats", "--json", "--days", str(days)])
    numbers = json.loads(cli.output)
    assert shown == {key: numbers[key] for key in shown}
    assert "Therapeutic massage: suggested to 1 reader" in text


# --- The preview page -------------------------------------------------------------


def test_the_preview_is_for_the_owner_only(client):
    for path in ("/stats/digest", "/stats/digest/letter.html"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_preview_frames_the_letter_served_under_its_own_csp(app, owner_client):
    add_traffic(app, last_monday(app), views=2, clickers=1)
    page = owner_client.get("/stats/digest")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    monday = last_monday(app).isoformat()
    assert f'src="/stats/digest/letter.html?week={monday}"' in html
    # Sandboxed: the page may read the letter's height, the letter runs nothing.
    frame = re.search(r"<iframe[^>]*>", html).group(0)
    assert re.search(r'\ssandbox(="[^"]*")?[\s>]', frame)
    assert "allow-scripts" not in frame
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    letter = owner_client.get(f"/stats/digest/letter.html?week={monday}")
    csp = letter.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "style-src 'unsafe-inline'" in csp
    assert "script" not in csp
    assert "frame-ancestors 'self'" in csp
    assert letter.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert letter.headers["Cache-Control"] == "no-store"
    body = letter.get_data(as_text=True)
    assert "2 page views" in body and "<script" not in body.lower()


@pytest.mark.parametrize(
    ("day", "words"),
    [
        ("9999-12-31", "The week must be between 2020-01-01 and "),
        ("0001-01-03", "The week must be between 2020-01-01 and "),
        ("2019-12-31", "The week must be between 2020-01-01 and "),
        ("2020-01-01", "The week of January 1, 2020 starts before January 1, 2020"),
    ],
)
def test_a_week_out_of_range_is_refused_by_the_command(app, day, words):
    result = app.test_cli_runner().invoke(args=["digest", "--week", day])
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output and result.exception is not None
    send = app.test_cli_runner().invoke(args=["digest", "--week", day, "--send"])
    assert send.exit_code == 2 and words in send.output


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-03", "0001-01-01"])
def test_a_week_out_of_range_is_refused_by_the_pages(app, owner_client, day):
    page = owner_client.get(f"/stats/digest?week={day}")
    assert page.status_code == 400
    assert "That week cannot be shown" in page.get_data(as_text=True)
    # The framed letter falls back to the last full week.
    frame = owner_client.get(f"/stats/digest/letter.html?week={day}")
    assert frame.status_code == 200
    assert Week(last_monday(app)).label in frame.get_data(as_text=True)
    token = csrf_token_from(owner_client.get("/stats/digest").get_data(as_text=True))
    response = owner_client.post(
        "/stats/digest/send", data={"week": day, "csrf_token": token}
    )
    assert response.status_code == 303
    shown = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "That week cannot be shown" in shown


def test_the_oldest_week_a_letter_can_cover_has_a_week_before_it():
    today = datetime.date(2026, 12, 2)
    assert letters.chosen_week("2020-01-08", today) == datetime.date(2020, 1, 6)
    for day in (datetime.date.min, datetime.date.max, datetime.date(2020, 1, 5)):
        with pytest.raises(ValueError, match="[Ww]eek"):
            letters.chosen_week(day.isoformat(), today)


def test_a_bad_week_on_the_preview_page_says_why(owner_client):
    response = owner_client.get("/stats/digest?week=tomorrow-ish")
    assert response.status_code == 400
    assert "That week cannot be shown" in response.get_data(as_text=True)


def test_send_me_a_copy_needs_the_csrf_token(app, owner_client):
    monday = last_monday(app).isoformat()
    response = owner_client.post("/stats/digest/send", data={"week": monday})
    assert response.status_code == 400
    token = csrf_token_from(owner_client.get("/stats/digest").get_data(as_text=True))
    response = owner_client.post(
        "/stats/digest/send", data={"week": monday, "csrf_token": token}
    )
    assert response.status_code == 303
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    # No mail settings in tests: the owner reads who can help, never a setting.
    assert "E-mail isn&#39;t set up yet" in page or "E-mail isn't set up yet" in page
    assert "FLASK_" not in page


# --- flask check -------------------------------------------------------------------

GOOD_MAIL = {
    "DIGEST_TO": "owner@massage.example, second@massage.example",
    "MAIL_SERVER": "smtp.mail.example",
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "owner@massage.example",
    "MAIL_PASSWORD": "app password here",
    "MAIL_DEFAULT_SENDER": "Site <site@massage.example>",
}


def test_mail_settings_are_not_checked_without_digest_to():
    result = check_mail({**GOOD_MAIL, "DIGEST_TO": "", "MAIL_SERVER": ""})
    assert result.ok


def test_good_mail_settings_pass_and_say_no_address_or_password():
    result = check_mail(GOOD_MAIL)
    assert result.ok, result.problem
    assert "2 addresses" in result.detail and "STARTTLS" in result.detail
    assert "@" not in result.detail and "app password" not in result.detail
    # As the environment gives them: strings.
    as_env = {
        **GOOD_MAIL,
        "MAIL_PORT": "465",
        "MAIL_USE_TLS": "no",
        "MAIL_USE_SSL": "1",
    }
    assert check_mail(as_env).ok


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"MAIL_SERVER": ""}, "FLASK_MAIL_SERVER is not set"),
        ({"MAIL_USE_SSL": True}, "both on"),
        ({"MAIL_USE_TLS": "0", "MAIL_USE_SSL": "true"}, "port 587 speaks STARTTLS"),
        ({"MAIL_PORT": 465}, "port 465 expects SSL"),
        ({"MAIL_PORT": "smtp"}, "FLASK_MAIL_PORT must be a port number"),
        ({"MAIL_PASSWORD": ""}, "without FLASK_MAIL_PASSWORD"),
        ({"MAIL_USERNAME": ""}, "without FLASK_MAIL_USERNAME"),
        ({"DIGEST_TO": "owner at massage.example"}, "FLASK_DIGEST_TO must be"),
        ({"DIGEST_TO": "owner@massage.example, nobody"}, "FLASK_DIGEST_TO must be"),
        ({"MAIL_DEFAULT_SENDER": ""}, "FLASK_MAIL_DEFAULT_SENDER is not set"),
        ({"MAIL_DEFAULT_SENDER": "the site"}, "is not an e-mail address"),
        ({"MAIL_USE_TLS": "false"}, "unencrypted"),
        ({"MAIL_SERVER": "smtp..mail.example"}, "'smtp..mail.example' is not a host"),
        ({"MAIL_SERVER": "smtp.mail.example:587"}, "the port in FLASK_MAIL_PORT"),
        ({"MAIL_SERVER": "smtp mail.example"}, "is not a host name"),
    ],
)
def test_a_missing_or_inconsistent_mail_setting_is_reported(change, words):
    result = check_mail({**GOOD_MAIL, **change})
    assert not result.ok
    assert words in result.problem
    assert "app password here" not in result.problem


def test_flask_check_reports_the_mail_problem(database_path):
    app = make_app(
        database_path, SECRET_KEY="x" * 40, DIGEST_TO="owner@massage.example"
    )
    with app.app_context():  # as the `flask` command gives it
        result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "error: FLASK_MAIL_SERVER is not set" in result.output


def test_the_preview_page_and_the_letter_are_valid_html(app, owner_client, tmp_path):
    from .test_html_valid import java_or_skip, run_checker

    java = java_or_skip()
    add_traffic(app, last_monday(app), views=3, clickers=1)
    add_bookings_and_notes(app, last_monday(app))
    monday = last_monday(app).isoformat()
    for name, path in (
        ("preview.html", "/stats/digest"),
        ("letter.html", f"/stats/digest/letter.html?week={monday}"),
    ):
        (tmp_path / name).write_bytes(owner_client.get(path).get_data())
    messages = run_checker(java, tmp_path)
    # Mail clients (Outlook's Word engine above all) still lay out by the
    # table attributes HTML calls obsolete: the letter keeps them, nothing else.
    problems = [
        f"{m['url'].rsplit('/', 1)[-1]}: {m['message']}"
        for m in messages
        if not ("letter.html" in m["url"] and "obsolete" in m["message"])
    ]
    assert problems == []
