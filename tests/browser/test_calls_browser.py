"""A press on the practice's phone number in a real Chromium: one beacon, one call."""

import pytest
from playwright.sync_api import expect

from webapp.core.db import connect

from ..conftest import PHONE as PHONE_AGENT
from ..practice_data import filled_practice_app
from .conftest import PHONE
from .test_embedding_browser import wait_for

PRACTICE_TEL = "tel:+15550100"


@pytest.fixture
def app(tmp_path):
    """The site with the practice's phone filled in (live_server serves it)."""
    return filled_practice_app(tmp_path / "calls")


def open_article(browser, live_server, js):
    """The article in a phone's tab (a phone's User-Agent: headless is a bot's)."""
    context = browser.new_context(
        viewport=PHONE, user_agent=PHONE_AGENT, java_script_enabled=js
    )
    page = context.new_page()
    beacons = []
    page.on(
        "request",
        lambda request: (
            beacons.append(request.method + " " + request.url)
            if "/call" in request.url
            else None
        ),
    )
    page.goto(live_server.url + "/")
    return context, page, beacons


def stored(app, kind):
    """The placements (or pages) of the stored events of ``kind``, oldest first."""
    db = connect(app.config["DATABASE"])
    try:
        return [
            row[0] or row[1]
            for row in db.execute(
                "SELECT placement, page FROM events WHERE kind = ? ORDER BY id", [kind]
            )
        ]
    finally:
        db.conn.close()


def phone_link(page, where):
    """The practice's phone link in ``where`` (a CSS selector), checked to dial it."""
    link = page.locator(where).get_by_role("link", name="+1 555 0100")
    expect(link).to_have_attribute("href", PRACTICE_TEL)
    return link


# Headless Chromium has no dialler: pressing a tel: link opens nothing and the
# page stays, as on a desktop without a phone app.


def test_a_press_with_javascript_sends_one_beacon_and_counts_one_call(
    browser, live_server, app
):
    context, page, beacons = open_article(browser, live_server, js=True)
    try:
        phone_link(page, ".practice").click()
        assert wait_for(page, lambda: stored(app, "call"), ["practice"]) == ["practice"]
        assert beacons == [f"POST {live_server.url}/call?from=practice"]
        phone_link(page, ".site-footer").click()
        expected = ["practice", "footer"]
        assert wait_for(page, lambda: stored(app, "call"), expected) == expected
        assert len(beacons) == 2
    finally:
        context.close()


def test_without_javascript_the_link_still_dials_and_nothing_is_counted(
    browser, live_server, app
):
    context, page, beacons = open_article(browser, live_server, js=False)
    try:
        links = page.locator('a[href^="tel:"]')
        expect(links).to_have_count(2)  # "Before you book" and the footer
        assert (
            links.evaluate_all("links => links.map(a => a.href)") == [PRACTICE_TEL] * 2
        )
        phone_link(page, ".practice").click()
        # A page view after the press, stored once it has come: had the press
        # sent anything, it would be stored by then too.
        page.reload()
        assert wait_for(page, lambda: stored(app, "view"), ["/", "/"]) == ["/", "/"]
        assert beacons == []
        assert stored(app, "call") == []
    finally:
        context.close()
