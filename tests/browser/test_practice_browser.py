"""The "Before you book" section, filled in, on a narrow phone and to axe."""

import pytest

from ..practice_data import filled_practice_app
from .conftest import axe_violations

NARROW = {"width": 320, "height": 640}
HEADINGS = (
    "Before you book",
    "Your therapist",
    "Sessions and prices",
    "Policies",
    "Your first visit",
    "Contact and hours",
)


@pytest.fixture
def app(tmp_path):
    """The site with every practice block filled in (live_server serves it)."""
    app = filled_practice_app(tmp_path / "practice", PROPAGATE_EXCEPTIONS=False)

    @app.get("/explode")
    def explode():
        raise RuntimeError("an unexpected error")

    return app


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_filled_section_fits_a_320px_screen(open_page, js):
    page = open_page("/", viewport=NARROW, js=js)
    for heading in HEADINGS:
        element = page.get_by_role("heading", name=heading, exact=True)
        element.scroll_into_view_if_needed()
        assert element.is_visible(), heading
    # The photo in "Before you book" (the byline has a small one too).
    photo = page.locator(".practice").get_by_role(
        "img", name="Jordan Lee in the treatment room"
    )
    photo.scroll_into_view_if_needed()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    box = photo.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= NARROW["width"]
    note = page.locator(".cta .booking-note")
    assert note.inner_text() == (
        "Opens Calm Hands Massage's booking page on MassageBook."
    )
    # Nothing wider than the screen: no sideways scrolling.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.watch.assert_clean()  # the photo came from our own origin


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_filled_page_has_no_accessibility_violations(open_page, scheme):
    page = open_page("/", color_scheme=scheme)
    assert axe_violations(page) == []


def test_the_500_page_offers_the_booking_page(open_page, live_server):
    page = open_page("/explode")
    assert page.get_by_role("heading", name="Something went wrong on our side")
    link = page.get_by_role("link", name="Go to the booking page")
    assert link.is_visible()
    assert link.get_attribute("href") == live_server.app.config["BOOKING_URL"]
    assert axe_violations(page) == []
