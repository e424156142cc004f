"""Notes and "From click to client" in a browser: JS on and off, safe, axe clean."""

import datetime

import pytest
from playwright.sync_api import expect

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.formatting import long_date

from ..conftest import HOSTILE_STRINGS
from ..test_click_to_client import add_batch, ago, clickers
from .conftest import DESKTOP, PHONE, axe_violations, page_without_scripts
from .test_dashboard_browser import (
    mark_document,
    same_document,
    sideways_scroll,
    sign_in,
)

VIEWPORTS = pytest.mark.parametrize(
    "viewport", [PHONE, DESKTOP], ids=["375px", "1280px"]
)
HOSTILE_NOTE = (
    f'{HOSTILE_STRINGS[0]} "><img src=x onerror=alert(2)> {HOSTILE_STRINGS[2]}'
)


@pytest.fixture
def imported(app, database_path):
    """Bookings of the last week (two new website clients, $30 and $100) and clicks."""
    add_batch(
        database_path,
        [
            {
                "day": ago(app, 1),
                "new_client": 1,
                "price_cents": 3000,
                "service": HOSTILE_STRINGS[2],
                "channel": "website",
            },
            {"day": ago(app, 2), "new_client": 1, "price_cents": 10000},
            {"day": ago(app, 2), "channel": "directory", "status": "no-show"},
        ],
    )
    clickers(app, 3)


def watch_dialogs(page):
    """Collect any dialog a script might open (none must)."""
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


@VIEWPORTS
def test_add_and_delete_a_note_with_htmx(
    open_page, live_server, owner_password, imported, app, viewport
):
    page = sign_in(open_page, live_server, owner_password, viewport=viewport)
    dialogs = watch_dialogs(page)
    mark_document(page)
    notes = page.get_by_role("region", name="Your notes on the timeline")
    expect(notes).to_contain_text("No notes in this period.")

    yesterday = (
        calendar.today(practice_zone(app)) - datetime.timedelta(days=1)
    ).isoformat()
    page.get_by_label("Day", exact=True).fill(yesterday)
    page.get_by_label("Note", exact=True).fill(HOSTILE_NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#dashboard-status")).to_contain_text("Note added for")
    expect(notes.locator(".dash-notes__text")).to_have_text(HOSTILE_NOTE)
    assert same_document(page)
    assert page.url == live_server.url + "/stats"

    # Empty words: the message in place, the box still there.
    page.get_by_role("button", name="Add note").click()
    expect(notes.get_by_role("alert")).to_have_text("Write a few words for the note.")
    expect(page.get_by_label("Note", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    assert axe_violations(page) == []

    name = f"Delete the note of {long_date(yesterday, 'en_US')}"
    notes.get_by_role("button", name=name).click()
    expect(page.locator("#dashboard-status")).to_contain_text("deleted.")
    expect(notes).to_contain_text("No notes in this period.")
    # The button went with its note: focus stays in the box, on its heading.
    expect(page.locator("#notes-title")).to_be_focused()
    assert same_document(page)
    assert page.locator("img[src=x], script:not([src])").count() == 0
    assert dialogs == []
    assert sideways_scroll(page) <= 0
    page.watch.assert_clean()


@VIEWPORTS
def test_add_and_delete_a_note_without_javascript(
    open_page, live_server, owner_password, imported, app, viewport
):
    page = sign_in(
        open_page,
        live_server,
        owner_password,
        path="/stats?period=30d",
        viewport=viewport,
        js=False,
    )
    today = calendar.today(practice_zone(app)).isoformat()
    page.get_by_label("Day", exact=True).fill(today)
    page.get_by_label("Note", exact=True).fill("Posted on Instagram")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(live_server.url + "/stats?period=30d#notes")
    notes = page.get_by_role("region", name="Your notes on the timeline")
    expect(notes).to_contain_text("Note added for")
    expect(notes).to_contain_text("Posted on Instagram")
    # On the chart's table too, in its own column.
    page.get_by_text("The numbers as a table").click()
    table = page.get_by_role("table", name="Page views and booking clicks per day")
    expect(table.get_by_role("columnheader", name="Your notes")).to_be_visible()
    expect(table).to_contain_text("Posted on Instagram")

    # A note without words: a page that says so, with the way back.
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("alert")).to_have_text("Write a few words for the note.")
    assert page.title().startswith("Error: ")
    page.get_by_role("link", name="Back to your stats").click()
    page.wait_for_url(live_server.url + "/stats?period=30d")

    name = f"Delete the note of {long_date(today, 'en_US')}"
    page.get_by_role("button", name=name).click()
    page.wait_for_url(live_server.url + "/stats?period=30d#notes")
    expect(notes).to_contain_text("deleted.")
    expect(notes).to_contain_text("No notes in this period.")
    page.watch.assert_clean()


def test_the_no_javascript_pages_are_axe_clean(
    open_page, live_server, owner_password, imported
):
    page = page_without_scripts(open_page, live_server, "/login?next=/stats")
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats")
    page.get_by_label("Note", exact=True).fill(HOSTILE_NOTE)
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(live_server.url + "/stats#notes")
    assert axe_violations(page) == []
    page.get_by_label("Day", exact=True).fill("")
    page.get_by_label("Note", exact=True).fill("x")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the note's day")
    assert axe_violations(page) == []
    page.watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@VIEWPORTS
def test_the_panel_and_the_notes_are_accessible(
    open_page, live_server, owner_password, imported, app, runner, scheme, viewport
):
    note = runner.invoke(args=["note", "add", ago(app, 2), HOSTILE_NOTE])
    assert note.exit_code == 0, note.output
    dialogs = []
    page = sign_in(
        open_page, live_server, owner_password, viewport=viewport, color_scheme=scheme
    )
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    panel = page.get_by_role("region", name="From click to client")
    expect(page.locator("body")).to_contain_text("would have cost about $21 in fees")
    expect(panel).to_contain_text("at most 66.7%")
    expect(panel).to_contain_text("An upper bound")
    page.get_by_text("The numbers as a table").click()
    # The note is on the chart (a marker whose words are in the chart's name).
    chart = page.get_by_role("img", name="Page views", exact=False).first
    label = chart.get_attribute("aria-label")
    assert HOSTILE_NOTE in label and "Your notes:" in label
    assert page.locator(".chart__note").count() == 2
    assert axe_violations(page) == []
    assert sideways_scroll(page) <= 0
    assert dialogs == []
    page.watch.assert_clean()
