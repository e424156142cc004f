"""The bookings preview on a phone: one short card per booking, nothing cut off.

At 375 px each booking of the preview reads as one card ("Mar 18, 2:30 PM ·
Swedish, 60 min · $95 · Completed · Your website · New client"), from the same
table the laptop shows; dates stay on one line at every width; Confirm and
Cancel keep apart; after Confirm or Undo the keyboard starts from the result.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from webapp.core import calendar

from ..bookings_data import export, row
from .conftest import (
    DESKTOP,
    NARROW,
    PHONE,
    ZOOMED,
    axe_violations,
    low_contrast_borders,
    overflowing_boxes,
    reflow_problems,
    with_text_spacing,
)
from .test_bookings_browser import sign_in, without_scripts

# Fixed months and days; the years are computed, so the test reads the same in
# any year: last year's bookings show their year, this year's do not.
THIS_YEAR = calendar.today(calendar.zone_of({"TIME_ZONE": "America/New_York"})).year
LAST_YEAR = THIS_YEAR - 1


def us_date(day, time=""):
    """A day as a US platform's export writes it: ``03/18/2025 2:30 PM``."""
    return f"{day:%m/%d/%Y}" + (f" {time}" if time else "")


BOOKINGS = [
    # (export row, every field the card must show, in its order; the last is
    # the day it counts on, which the card introduces as "counts on")
    (
        row(
            appointment=us_date(datetime.date(LAST_YEAR, 3, 18), "2:30 PM"),
            service="Therapeutic, 60 min",
            price="$90.00",
            status="Completed",
            source="Website",
            new="Yes",
            booked=us_date(datetime.date(LAST_YEAR, 3, 1)),
        ),
        [
            f"Mar 18, {LAST_YEAR}, 2:30 PM",
            "Therapeutic, 60 min",
            "$90",
            "Completed",
            "Your website",
            "New client",
            f"Mar 1, {LAST_YEAR}",
        ],
    ),
    (
        row(
            appointment=us_date(datetime.date(THIS_YEAR, 1, 12), "10:00 AM"),
            service="Swedish, 90 min",
            price="$125.50",
            status="Confirmed",
            source="Instagram",
            new="No",
            booked=us_date(datetime.date(THIS_YEAR, 1, 2)),
        ),
        [
            "Jan 12, 10:00 AM",
            "Swedish, 90 min",
            "$125.50",
            "Confirmed",
            "Social media",
            "Returning client",
            "Jan 2",
        ],
    ),
]


def in_order(texts):
    """A pattern of ``texts`` one after the other, any space between words.

    The locale puts a narrow no-break space before "PM" (CLDR), which the page
    shows as it is.
    """
    words = (re.escape(text).replace("\\ ", r"\s") for text in texts)
    return re.compile(r"\s*".join(words))


def upload(page):
    """Choose the export and ask for its preview."""
    page.get_by_label("Appointments report").set_input_files(
        files=[
            {
                "name": "december.csv",
                "mimeType": "text/csv",
                "buffer": export([export_row for export_row, _ in BOOKINGS]),
            }
        ]
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#bookings-preview")).to_contain_text("Preview of december.csv")


def wait_for_no_sideways_scroll(page):
    """Wait until nothing on the page is wider than the window."""
    page.wait_for_function(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )


def dates_on_one_line(page):
    """Each date and time the preview and past imports show, on one line each."""
    return page.evaluate(
        """() => [...document.querySelectorAll('time.bookings-when')]
            .map((el) => [el.textContent, el.getClientRects().length])"""
    )


def gap_between(page, first, second):
    """The space between two boxes, across or down, whichever they are laid out."""
    a = page.locator(first).bounding_box()
    b = page.locator(second).bounding_box()
    across = max(b["x"] - (a["x"] + a["width"]), a["x"] - (b["x"] + b["width"]))
    down = max(b["y"] - (a["y"] + a["height"]), a["y"] - (b["y"] + b["height"]))
    return max(across, down), min(a["height"], b["height"])


def check_cards(page):
    """At 375 px: one card per booking, every field in view, no scrolling."""
    wait_for_no_sideways_scroll(page)
    cards = page.locator(".bookings-rows tbody tr")
    expect(cards).to_have_count(len(BOOKINGS))
    for index, (_, fields) in enumerate(BOOKINGS):
        card = cards.nth(index)
        # The fields in order, as words that wrap like a sentence, not a grid.
        expect(card).to_have_text(in_order(fields))
        box = card.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    counted = cards.locator(".bookings-rows__counted").first
    before = counted.evaluate("(el) => getComputedStyle(el, '::before').content")
    assert "counts on" in before
    # The table's box holds the cards without a scroll of its own.
    region = page.locator("#bookings-preview .dash-scroll")
    assert region.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    expect(page.locator(".bookings-rows thead")).not_to_be_in_viewport()
    for text, lines in dates_on_one_line(page):
        assert lines == 1, text
    gap, height = gap_between(page, "#bookings-confirm", "#bookings-cancel")
    assert gap >= 16
    assert height >= 44


def test_the_preview_on_a_phone_shows_every_field_as_a_card(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, viewport=PHONE)
    upload(page)
    check_cards(page)
    assert axe_violations(page) == []
    page.watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_preview_on_a_laptop_is_a_table_with_dates_on_one_line(
    open_page, live_server, owner_password, scheme
):
    page = sign_in(
        open_page, live_server, owner_password, viewport=DESKTOP, color_scheme=scheme
    )
    upload(page)
    table = page.locator(".bookings-rows")
    expect(table.get_by_role("columnheader", name="Counts on")).to_be_visible()
    first = table.locator("tbody tr").first
    expect(first.get_by_role("rowheader")).to_have_text(BOOKINGS[0][1][0])
    expect(first.get_by_role("cell", name="New client", exact=True)).to_be_visible()
    wait_for_no_sideways_scroll(page)
    for text, lines in dates_on_one_line(page):
        assert lines == 1, text
    assert axe_violations(page) == []
    # The same table, narrowed to a phone: the rows become cards.
    page.set_viewport_size(PHONE)
    check_cards(page)
    page.watch.assert_clean()


def test_focus_lands_on_the_result_after_confirm_and_after_undo(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, viewport=PHONE)
    page.evaluate("window.__samePage = true")
    upload(page)
    page.get_by_role("button", name="Confirm the import").click()
    message = page.locator("#bookings-message")
    expect(message).to_contain_text("is saved")
    expect(message).to_be_focused()
    # Past imports: when it was made, in the practice's words, on one line.
    expect(page.locator("#bookings-imports-title")).to_be_visible()
    for text, lines in dates_on_one_line(page):
        assert "T" not in text and lines == 1, text
    assert axe_violations(page) == []
    page.get_by_role("button", name="Undo import").click()
    expect(message).to_contain_text("2 bookings removed")
    expect(message).to_be_focused()
    assert page.evaluate("window.__samePage === true")  # swapped, not reloaded
    page.watch.assert_clean()


def test_without_javascript_the_result_page_starts_at_its_message(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, viewport=PHONE)
    without_scripts(page, live_server)
    upload(page)
    check_cards(page)
    page.get_by_role("button", name="Confirm the import").click()
    page.wait_for_url("**/stats/bookings?done=confirmed*")
    message = page.locator("#bookings-message")
    expect(message).to_contain_text("is saved")
    expect(message).to_be_focused()
    page.get_by_role("button", name="Undo import").click()
    page.wait_for_url("**/stats/bookings?done=undone*")
    expect(message).to_contain_text("2 bookings removed")
    expect(message).to_be_focused()
    assert axe_violations(page) == []
    page.watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_preview_reflows_and_keeps_its_text_at_320_px_and_400_percent_zoom(
    open_page, live_server, owner_password, scheme
):
    page = sign_in(
        open_page, live_server, owner_password, viewport=DESKTOP, color_scheme=scheme
    )
    upload(page)
    problems = []
    for size in (NARROW, ZOOMED, DESKTOP):
        page.set_viewport_size(size)
        wait_for_no_sideways_scroll(page)
        where = f"{size['width']}x{size['height']}"
        problems += [f"{where}: {found}" for found in reflow_problems(page)]
        remove = with_text_spacing(page)
        problems += [f"{where}, spaced: {found}" for found in overflowing_boxes(page)]
        remove()
        problems += [f"{where}: border {found}" for found in low_contrast_borders(page)]
    assert problems == []
