"""On a phone, the first screen says who, where and from what price, with a button."""

import pytest
from playwright.sync_api import expect

from ..practice_data import filled_practice_app
from .conftest import axe_violations

# A common phone (iPhone X to 13 mini), in CSS pixels.
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def app(tmp_path):
    """The site with every practice block filled in (live_server serves it)."""
    return filled_practice_app(tmp_path / "practice")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_first_screen_says_who_where_and_a_price_with_a_button(open_page, js):
    page = open_page("/", viewport=PHONE, js=js)
    byline = page.locator(".practice-byline")
    words = byline.locator(".practice-byline__text")
    expect(words).to_have_text(
        "By Jordan Lee, LMT · 12 years · Springfield · sessions from $90"
    )
    # Whole on the first screen, without scrolling.
    expect(words).to_be_in_viewport(ratio=1)
    for text in ("Jordan Lee", "Springfield", "from $90"):
        expect(byline.get_by_text(text)).to_be_in_viewport(ratio=1)
    button = byline.get_by_role("link", name="Book a session")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport(ratio=1)
    expect(button).to_have_attribute("href", "/book?from=byline")
    photo = byline.get_by_role("img", name="Jordan Lee in the treatment room")
    expect(photo).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0
    page.watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_with_its_byline_has_no_accessibility_violations(open_page, scheme):
    page = open_page("/", viewport=PHONE, color_scheme=scheme)
    expect(page.locator(".practice-byline")).to_be_visible()
    expect(page.locator("#sessions")).to_be_attached()
    assert axe_violations(page) == []
