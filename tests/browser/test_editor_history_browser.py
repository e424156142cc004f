"""Edit the site in a browser: a file's versions reached, compared and restored."""

import pytest
from playwright.sync_api import expect

from ..test_editor_pages import (
    FIRST_TITLE,
    HOME_EDIT,
    HOME_FILE,
    SECOND_TITLE,
    article_with,
    save,
)
from .conftest import axe_violations
from .test_dashboard_browser import sideways_scroll, sign_in

SMALL_PHONE = {"width": 320, "height": 640}


@pytest.fixture
def two_titles(app):
    """The article saved twice: a first title, then a second one (shown now)."""
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "First title")
    second = save(app, HOME_FILE, article_with(SECOND_TITLE), "Second title")
    return first, second


def check_page(page, js):
    """Nothing wider than a small phone's screen; axe clean where it can run."""
    assert sideways_scroll(page) <= 0
    if js:  # axe needs timers, which a page without JavaScript never runs
        assert axe_violations(page) == []


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_owner_compares_two_versions_and_restores_the_first(
    open_page, live_server, owner_password, two_titles, js
):
    first, second = two_titles
    page = sign_in(open_page, live_server, owner_password, viewport=SMALL_PHONE, js=js)
    menu = page.get_by_role("navigation", name="Owner pages")
    menu.get_by_role("link", name="Edit the site").click()
    page.wait_for_url(live_server.url + "/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the site")
    expect(menu.locator("[aria-current=page]")).to_have_text("Edit the site")
    expect(page.get_by_text("“Second title”")).to_be_visible()
    check_page(page, js)

    page.get_by_role("link", name=f"Earlier versions of “{SECOND_TITLE}”").click()
    page.wait_for_url(f"{live_server.url}{HOME_EDIT}/history")
    expect(page.get_by_role("heading", level=2)).to_have_count(2)
    # The newest and the one before are chosen already.
    expect(page.get_by_label(f"Compare from version {first}")).to_be_checked()
    expect(page.get_by_label(f"Compare to version {second}")).to_be_checked()
    check_page(page, js)

    page.get_by_role("button", name="Compare the two versions").click()
    page.wait_for_url(f"**{HOME_EDIT}/diff?*")
    removed, added = page.locator("del"), page.locator("ins")
    expect(removed).to_have_count(1)
    expect(removed).to_contain_text(f"Removed title: {FIRST_TITLE}")
    expect(added).to_have_count(1)
    # Typed markup shows as the characters typed.
    expect(added).to_contain_text(f"Added title: {SECOND_TITLE}")
    check_page(page, js)

    page.get_by_role("link", name="Back to the earlier versions").click()
    page.get_by_role("button", name=f"Restore version {first}").click()
    page.wait_for_url(f"{live_server.url}{HOME_EDIT}/history")
    expect(page.get_by_role("status")).to_have_text(
        f"Version {first} restored: it is saved as version {second + 1} "
        "and the site shows it now."
    )
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        f"Version {second + 1}"
    )
    check_page(page, js)

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_TITLE)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_marked_changes_are_readable_in_light_and_dark(
    open_page, live_server, owner_password, two_titles, scheme
):
    first, second = two_titles
    page = sign_in(
        open_page, live_server, owner_password, path="/edit", color_scheme=scheme
    )
    page.goto(f"{live_server.url}{HOME_EDIT}/diff?from={first}&to={second}")
    expect(page.locator("ins")).to_contain_text("Added")
    assert axe_violations(page) == []
