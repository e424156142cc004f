"""The owner signs in and out in a real browser, on a phone, with JS on and off."""

import pytest
from playwright.sync_api import expect

from ..test_owner_menu import MENU
from .conftest import DESKTOP, PHONE, axe_violations


def _no_sideways_scroll(page):
    """Nothing wider than the screen."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_owner_signs_in_and_out(open_page, live_server, owner_password, js):
    page = open_page("/stats?period=7d", viewport=PHONE, js=js)
    # Sent to the login page, which remembers where the owner was going.
    assert page.url.startswith(live_server.url + "/login?next=")
    assert page.get_by_role("heading", name="Sign in to your stats").is_visible()
    assert _no_sideways_scroll(page) <= 0

    page.get_by_label("Password").fill("not the right one at all")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "That password is not right." in alert.inner_text()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Error: ")

    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats?period=7d")
    assert page.get_by_role("heading", name="What the article brings").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/login")
    assert page.get_by_role("status").inner_text() == "You are signed out."

    page.goto(live_server.url + "/stats")
    assert page.url.startswith(live_server.url + "/login?next=")
    page.watch.assert_clean()


def test_session_cookie_is_httponly_and_lax(open_page, live_server, owner_password):
    page = open_page("/login")
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_login_page_has_no_accessibility_violations(
    open_page, owner_password, viewport
):
    page = open_page("/login", viewport=viewport)
    assert axe_violations(page) == []
    # And with an error showing.
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_signed_in_stats_page_has_no_accessibility_violations(
    open_page, live_server, owner_password
):
    page = open_page("/login")
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats")
    assert axe_violations(page) == []
    assert _no_sideways_scroll(page) <= 0
    page.watch.assert_clean()


def test_sign_in_form_fits_a_phone(open_page, owner_password):
    page = open_page("/login", viewport=PHONE)
    field = page.get_by_label("Password").bounding_box()
    button = page.get_by_role("button", name="Sign in").bounding_box()
    # Big enough to tap, and inside the screen with a margin.
    assert field["height"] >= 44
    assert button["height"] >= 44
    assert field["x"] >= 16
    assert field["x"] + field["width"] <= PHONE["width"] - 16
    # Text in the field is at least 16px, so phones do not zoom in.
    size = page.get_by_label("Password").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= 16
    assert _no_sideways_scroll(page) <= 0


# --- The owner's menu ------------------------------------------------------------

SMALL_PHONE = {"width": 320, "height": 640}


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_owners_menu_moves_between_owner_pages_on_a_small_phone(
    open_page, live_server, owner_password, js
):
    page = open_page("/login?next=/stats/bookings", viewport=SMALL_PHONE, js=js)
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats/bookings")
    menu = page.get_by_role("navigation", name="Owner pages")
    expect(menu.get_by_role("listitem")).to_have_text(MENU)
    expect(menu.locator("[aria-current=page]")).to_have_text("Bookings")
    # Every entry inside the 320 px screen, nothing to scroll sideways.
    for item in menu.get_by_role("listitem").all():
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"]
    assert _no_sideways_scroll(page) <= 0

    menu.get_by_role("link", name="Weekly letter").click()
    page.wait_for_url(live_server.url + "/stats/digest")
    expect(menu.locator("[aria-current=page]")).to_have_text("Weekly letter")
    if js:  # axe needs timers, which a page without JavaScript never runs
        assert axe_violations(page) == []
    menu.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(live_server.url + "/stats")
    menu.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/login")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.watch.assert_clean()


def test_the_menu_shows_focus_and_the_page_shown_in_forced_colors(
    open_page, live_server, owner_password
):
    page = open_page("/login?next=/stats/digest", viewport=DESKTOP)
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats/digest")
    menu = page.get_by_role("navigation", name="Owner pages")
    dashboard = menu.get_by_role("link", name="Dashboard")
    page.keyboard.press("Tab")  # the skip link first
    page.keyboard.press("Tab")  # the practice's name
    page.keyboard.press("Tab")
    expect(dashboard).to_be_focused()
    expect(dashboard).to_have_css("outline-style", "solid")
    expect(dashboard).to_have_css("outline-width", "3px")
    page.emulate_media(forced_colors="active")
    current = menu.locator("[aria-current=page]")
    # In forced colours only the underline tells the page shown apart.
    expect(current).to_have_css("text-decoration-line", "underline")
    expect(dashboard).not_to_have_css("text-decoration-line", "underline")
    page.watch.assert_clean()
