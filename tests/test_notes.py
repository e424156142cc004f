"""The owner's notes on the timeline: terminal, dashboard forms, chart, exports."""

import datetime
import re
from html import unescape

import pytest

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect
from webapp.notes.store import MAX_NOTE_LENGTH
from webapp.tracking.vocabulary import VIEW

from .conftest import HOSTILE_STRINGS, csrf_token_from, record
from .test_dashboard import csv_rows

HTMX = {"HX-Request": "true"}
STATUS = re.compile(r'id="dashboard-status"[^>]*>([^<]*)</p>')


def stored_notes(database_path):
    """Every note in the database file, as (day, text), oldest first."""
    db = connect(str(database_path))
    try:
        return [tuple(r) for r in db.execute("select day, text from notes order by id")]
    finally:
        db.conn.close()


def note(runner, *args):
    """Run ``flask note ...``; return the result."""
    return runner.invoke(args=["note", *args])


def token(client):
    """A CSRF token from the owner's dashboard."""
    return csrf_token_from(client.get("/stats").get_data(as_text=True))


def period_fields(client, back="/stats", period=None):
    """The hidden fields every notes form of the dashboard carries."""
    today = datetime.date.today()
    start, end = period or (today - datetime.timedelta(days=6), today)
    return {
        "csrf_token": token(client),
        "back": back,
        "from": start.isoformat(),
        "to": end.isoformat(),
    }


def add(client, day, text, *, headers=None, back="/stats", period=None):
    """Post the dashboard's add form as the owner would."""
    data = {"day": day, "text": text, **period_fields(client, back, period)}
    return client.post("/stats/notes", data=data, headers=headers or {})


@pytest.fixture
def today(app):
    """Today in the practice's time zone."""
    return calendar.today(practice_zone(app))


# --- The terminal -------------------------------------------------------------------


def test_note_add_list_and_delete_from_the_terminal(runner, database_path):
    added = note(runner, "add", "2025-03-18", "Posted", "on", "Instagram")
    assert added.exit_code == 0, added.output
    assert added.output == "Added note 1 on 2025-03-18.\n"
    assert note(runner, "add", "2025-03-20", "New price list").exit_code == 0

    listed = note(runner, "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "1  2025-03-18  Posted on Instagram",
        "2  2025-03-20  New price list",
    ]

    deleted = note(runner, "delete", "1")
    assert deleted.exit_code == 0
    assert "Deleted note 1 (2025-03-18): Posted on Instagram" in deleted.output
    assert stored_notes(database_path) == [("2025-03-20", "New price list")]


def test_note_list_days_keeps_only_recent_notes(runner, today):
    old = (today - datetime.timedelta(days=40)).isoformat()
    assert note(runner, "add", old, "Long ago").exit_code == 0
    assert note(runner, "add", today.isoformat(), "Today").exit_code == 0
    recent = note(runner, "list", "--days", "7")
    assert recent.exit_code == 0
    assert "Today" in recent.output and "Long ago" not in recent.output
    assert "Long ago" in note(runner, "list").output


def test_note_list_says_when_there_is_none(runner):
    result = note(runner, "list")
    assert result.exit_code == 0
    assert result.output == "No notes yet.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "2025-13-01", "x"], "The note's day must be a date like 2025-03-18."),
        (["add", "18/03/2025", "x"], "must be a date like 2025-03-18"),
        (["add", "20250318", "x"], "must be a date like 2025-03-18"),
        (["add", "2025-03-18", "   "], "Write a few words for the note."),
        (["add", "2025-03-18", "\x00\x07"], "Write a few words for the note."),
        (["delete", "99"], "There is no note 99."),
    ],
)
def test_note_commands_refuse_bad_input_with_a_message(
    runner, database_path, args, message
):
    result = note(runner, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert stored_notes(database_path) == []


@pytest.mark.parametrize("day", ["0001-01-01", "2019-12-31", "9999-12-31"])
def test_a_note_on_a_day_no_dashboard_shows_is_refused(runner, database_path, day):
    result = note(runner, "add", day, "Launched the website")
    assert result.exit_code == 1
    assert "The note's day must be between 2020-01-01 and " in result.output
    assert "the dashboard shows no other days" in result.output
    assert stored_notes(database_path) == []


def test_a_note_may_be_dated_up_to_a_year_ahead(runner, database_path, today):
    ahead = today + datetime.timedelta(days=366)
    assert note(runner, "add", ahead.isoformat(), "Spring offer ends").exit_code == 0
    too_far = ahead + datetime.timedelta(days=1)
    assert note(runner, "add", too_far.isoformat(), "Too far").exit_code == 1
    assert stored_notes(database_path) == [(ahead.isoformat(), "Spring offer ends")]


def test_the_note_form_offers_only_the_days_it_accepts(owner_client, today):
    html = owner_client.get("/stats").get_data(as_text=True)
    latest = (today + datetime.timedelta(days=366)).isoformat()
    assert f'min="2020-01-01" max="{latest}"' in html
    response = add(owner_client, "9999-12-31", "Never shown", headers=HTMX)
    assert response.status_code == 400
    assert "the dashboard shows no other days" in response.get_data(as_text=True)


def test_note_add_without_words_is_a_usage_error(runner):
    result = note(runner, "add", "2025-03-18")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_a_note_is_one_clean_line_capped_in_length(runner, database_path):
    text = "Line one\nline\ttwo\u202e " + "x" * (MAX_NOTE_LENGTH * 2)
    assert note(runner, "add", "2025-03-18", text).exit_code == 0
    [(_day, stored)] = stored_notes(database_path)
    assert stored.startswith("Line one line two x")
    assert len(stored) == MAX_NOTE_LENGTH
    assert "\u202e" not in stored


# --- The dashboard's forms ----------------------------------------------------------


def test_adding_a_note_without_javascript_redirects_back_to_the_dashboard(
    owner_client, database_path, today
):
    response = add(
        owner_client, today.isoformat(), "Posted on Instagram", back="/stats?period=30d"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/stats?period=30d#notes"
    assert stored_notes(database_path) == [(today.isoformat(), "Posted on Instagram")]

    page = owner_client.get("/stats?period=30d").get_data(as_text=True)
    assert "Note added for" in page  # the flashed confirmation, once
    assert "Posted on Instagram" in page
    again = owner_client.get("/stats?period=30d").get_data(as_text=True)
    assert "Note added for" not in again


def test_adding_a_note_with_htmx_answers_the_notes_box_and_the_status(
    owner_client, today
):
    response = add(
        owner_client, today.isoformat(), "Closed for the holidays", headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.count('id="notes"') == 1
    assert "<html" not in html
    assert STATUS.search(html).group(1).startswith("Note added for")
    assert 'data-hx-swap-oob="innerHTML"' in html
    assert "Closed for the holidays" in html


@pytest.mark.parametrize(
    ("day", "text", "field", "message"),
    [
        ("not-a-date", "Hello", "day", "must be a date like 2025-03-18"),
        ("2025-02-30", "Hello", "day", "must be a date like 2025-03-18"),
        ("", "Hello", "day", "Choose the note's day"),
        ("2025-03-18", "   ", "text", "Write a few words for the note."),
    ],
)
@pytest.mark.parametrize("headers", [None, HTMX], ids=["no-js", "htmx"])
def test_a_bad_note_gets_a_clear_message_and_keeps_what_was_typed(
    owner_client, database_path, day, text, field, message, headers
):
    response = add(owner_client, day, text, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    alert = re.search(r'role="alert"[^>]*>\s*<p>([^<]*)</p>', html)
    assert message in unescape(alert.group(1))
    invalid = re.search(r'<input id="note-(\w+)"[^>]*aria-invalid="true"', html)
    assert invalid.group(1) == field
    assert (
        f'id="note-text" name="text" type="text" maxlength="{MAX_NOTE_LENGTH}" '
        f'value="{text}"' in html
    )
    if headers is None:
        assert "Back to your stats" in html
    assert stored_notes(database_path) == []


def test_deleting_a_note_with_and_without_htmx(owner_client, database_path, today):
    for text in ("One", "Two"):
        add(owner_client, today.isoformat(), text)
    form = period_fields(owner_client, back="/stats?period=7d")
    response = owner_client.post("/stats/notes/1/delete", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == "/stats?period=7d#notes"
    assert stored_notes(database_path) == [(today.isoformat(), "Two")]

    response = owner_client.post("/stats/notes/2/delete", data=form, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert STATUS.search(html).group(1).endswith("deleted.")
    assert "No notes in this period." in html
    assert stored_notes(database_path) == []


def test_deleting_a_note_already_gone_says_so(owner_client):
    form = period_fields(owner_client)
    response = owner_client.post("/stats/notes/42/delete", data=form)
    assert response.status_code == 404
    assert "That note was already deleted." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "period", [{}, {"from": "2025-03-01"}, {"from": "x", "to": "2025-03-07"}]
)
def test_a_notes_form_without_its_period_changes_nothing(
    owner_client, database_path, today, period
):
    # The dashboard's forms always carry the period they show: without it the
    # box to answer with is unknown, so nothing is done (never a silent 7 days).
    add(owner_client, today.isoformat(), "Kept")
    form = {"csrf_token": token(owner_client), "back": "/stats", **period}
    gone = owner_client.post("/stats/notes/1/delete", data=form)
    added = owner_client.post(
        "/stats/notes", data={**form, "day": today.isoformat(), "text": "New"}
    )
    assert gone.status_code == added.status_code == 400
    assert "Please go back and try again." in added.get_data(as_text=True)
    assert stored_notes(database_path) == [(today.isoformat(), "Kept")]


def test_the_way_back_never_leaves_the_site(owner_client, today):
    response = add(owner_client, today.isoformat(), "x", back="https://evil.example/")
    assert response.headers["Location"] == "/stats#notes"


def test_notes_need_the_owner_and_a_csrf_token(
    app, client, owner_client, database_path, today
):
    data = {"day": today.isoformat(), "text": "sneaky"}
    response = client.post("/stats/notes", data=data)
    assert response.status_code in (302, 400)
    assert client.post("/stats/notes/1/delete", headers=HTMX).status_code in (
        400,
        401,
    )
    # The owner without a token: refused too.
    assert owner_client.post("/stats/notes", data=data).status_code == 400
    assert stored_notes(database_path) == []


def test_a_stranger_is_sent_to_the_login_form(app, client, today):
    # Without CSRF protection in the way, the login guard answers.
    app.config["WTF_CSRF_ENABLED"] = False
    data = {"day": today.isoformat(), "text": "sneaky"}
    response = client.post("/stats/notes", data=data)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.post("/stats/notes", data=data, headers=HTMX).status_code == 401


# --- On the timeline and in the exports ----------------------------------------------


@pytest.fixture
def noted(app, owner_client, today):
    """Three notes: two in the last 7 days (one hostile), one 40 days ago.

    One reader counted too: before the first, the dashboard is its checklist.
    """
    record(app, [{"kind": VIEW}], "203.0.113.1")
    for day, text in (
        (today - datetime.timedelta(days=2), "Posted on Instagram"),
        (today, HOSTILE_STRINGS[0] + " " + HOSTILE_STRINGS[1]),
        (today - datetime.timedelta(days=40), HOSTILE_STRINGS[2]),
    ):
        assert add(owner_client, day.isoformat(), text).status_code == 303
    return owner_client


def test_notes_mark_the_chart_and_its_table(noted, today):
    html = noted.get("/stats?period=7d").get_data(as_text=True)
    # A long-dashed line per noted day, its words in the SVG's accessible name.
    assert html.count('class="chart__note"') == 2 * 2  # both charts, two days
    assert "Your notes: " in html
    assert "Dashed lines mark the days of your notes" in html
    # The table gains a column with each note's words.
    assert '<th scope="col">Your notes</th>' in html
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\"><time datetime=\"([\d-]+)\">.*?</tr>", html, re.S
    )
    assert (today - datetime.timedelta(days=2)).isoformat() in rows
    # Hostile words are text, never markup.
    assert "<script>alert(1)</script>" not in html
    assert "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The note of 40 days ago is not in this period.
    assert "HYPERLINK" not in html


def test_without_notes_the_table_has_no_notes_column(owner_client):
    html = owner_client.get("/stats").get_data(as_text=True)
    assert "Your notes</th>" not in html
    assert 'class="chart__note"' not in html
    assert "No notes in this period." in html


def test_notes_group_into_weeks_on_a_long_period(noted, today):
    # 118 days: the last chunk of 7 days holds today and the day before yesterday.
    start = today - datetime.timedelta(days=117)
    html = noted.get(f"/stats?from={start}&to={today}").get_data(as_text=True)
    assert "Views and clicks per week" in html
    assert "Your notes</th>" in html
    assert html.count('class="chart__note"') == 2 * 2  # weeks: 40 days ago, this one
    # Each chart's name and marker, the table, the list and its Delete button.
    assert unescape(html).count(HOSTILE_STRINGS[2]) == 2 * 2 + 3


def test_notes_in_the_json_for_the_period_only(noted, today):
    notes = noted.get("/stats.json?period=7d").get_json()["notes"]
    assert notes == [
        {
            "day": (today - datetime.timedelta(days=2)).isoformat(),
            "text": "Posted on Instagram",
        },
        {"day": today.isoformat(), "text": " ".join(HOSTILE_STRINGS[:2])},
    ]
    assert len(noted.get("/stats.json?period=90d").get_json()["notes"]) == 3


def test_notes_csv_is_formula_safe(noted, today):
    response = noted.get("/stats/notes.csv?period=90d")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == ["day", "text"]
    assert rows[1] == [
        (today - datetime.timedelta(days=40)).isoformat(),
        "'" + HOSTILE_STRINGS[2],
    ]
    assert len(rows) == 4
    assert "/stats/notes.csv?period=7d" in noted.get("/stats").get_data(as_text=True)


def test_notes_csv_needs_the_owner(client):
    assert client.get("/stats/notes.csv").status_code == 401


HUGE_ID = "99999999999999999999999"


def test_deleting_a_note_with_a_huge_id_is_404_not_an_error(owner_client):
    form = period_fields(owner_client)
    response = owner_client.post(f"/stats/notes/{HUGE_ID}/delete", data=form)
    assert response.status_code == 404
    # The largest id SQLite can hold is still a note that may be gone.
    response = owner_client.post("/stats/notes/9223372036854775807/delete", data=form)
    assert response.status_code == 404


@pytest.mark.parametrize("note_id", [HUGE_ID, "9223372036854775808", "0"])
def test_note_delete_with_an_id_out_of_range_is_a_usage_error(runner, note_id):
    result = note(runner, "delete", note_id)
    assert result.exit_code == 2
    assert "is not in the range" in result.output
    assert "Traceback" not in result.output
