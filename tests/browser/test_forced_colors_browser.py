"""Forced colours (Windows high contrast): what is selected or current stays visible.

Forced colours replace the page's own colours with the system's, so an
accent fill alone disappears. Chromium's emulation applies them; each test
compares the computed style of the selected item with an unselected one.
"""

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from .test_dashboard_browser import known_traffic, sign_in  # noqa: F401 (fixture)

WIDGETS = load_widgets()
ASPECTS = WIDGETS.comparison.aspects
TECHNIQUES = WIDGETS.techniques.items
SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])

# What forced colours keep and a reader sees: fill, text colour, edges, underline.
_LOOK_JS = """(el) => {
  const s = getComputedStyle(el);
  return {
    background: s.backgroundColor, color: s.color, border: s.borderTopColor,
    underline: s.textDecorationLine, outline: s.outlineStyle,
    adjust: s.forcedColorAdjust,
  };
}"""


def look(locator):
    return locator.evaluate(_LOOK_JS)


def force_colours(page, scheme):
    page.emulate_media(forced_colors="active", color_scheme=scheme)
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")


def assert_fill_marks_selection(selected, other):
    """The selected pill takes the system highlight; the other keeps the page's."""
    on, off = look(selected), look(other)
    assert on["adjust"] == "none", on
    assert on["background"] != off["background"], (on, off)
    assert on["color"] != off["color"], (on, off)
    assert on["underline"] == "underline" and off["underline"] == "none", (on, off)


@SCHEMES
def test_the_selected_comparison_tab_stands_out(open_page, scheme):
    page = open_page("/")
    force_colours(page, scheme)
    selected = page.get_by_role("tab", name=ASPECTS[0].label)
    expect(selected).to_have_attribute("aria-selected", "true")
    assert_fill_marks_selection(
        selected, page.get_by_role("tab", name=ASPECTS[1].label)
    )
    # Another tab pressed: the mark moves with it.
    page.get_by_role("tab", name=ASPECTS[1].label).click()
    expect(page.get_by_role("tab", name=ASPECTS[1].label)).to_have_attribute(
        "aria-selected", "true"
    )
    assert_fill_marks_selection(
        page.get_by_role("tab", name=ASPECTS[1].label),
        page.get_by_role("tab", name=ASPECTS[0].label),
    )


@SCHEMES
def test_the_current_technique_stands_out(open_page, scheme):
    page = open_page(f"/?technique={TECHNIQUES[0].id}")
    force_colours(page, scheme)
    current = page.locator(f"#technique-{TECHNIQUES[0].id}")
    expect(current).to_have_attribute("aria-current", "true")
    other = page.locator(f"#technique-{TECHNIQUES[1].id}")
    expect(other).not_to_have_attribute("aria-current", "true")
    assert_fill_marks_selection(current, other)


@SCHEMES
def test_the_dashboard_period_and_the_owner_menu_page_stand_out(
    open_page,
    live_server,
    owner_password,
    known_traffic,  # noqa: F811 (fixture)
    scheme,
):
    page = sign_in(open_page, live_server, owner_password)
    force_colours(page, scheme)
    current = page.locator(".dash-presets [aria-current='page']")
    expect(current).to_have_count(1)
    other = page.locator(".dash-presets .pill:not([aria-current])").first
    assert_fill_marks_selection(current, other)

    menu = page.get_by_role("navigation", name="Owner pages")
    dashboard = menu.get_by_role("link", name="Dashboard")
    expect(dashboard).to_have_attribute("aria-current", "page")
    on, off = look(dashboard), look(menu.get_by_role("link", name="Bookings"))
    # Both links are the system's link colour; the underline marks the page.
    assert on["underline"] == "underline" and off["underline"] == "none", (on, off)


# --- The booking bar at the foot of a phone's screen (issue 30) ---------------

_EDGE_JS = """(bar) => {
  const s = getComputedStyle(bar);
  const link = getComputedStyle(bar.querySelector('a'));
  return {
    width: parseFloat(s.borderTopWidth), style: s.borderTopStyle,
    edge: s.borderTopColor, background: s.backgroundColor,
    position: s.position, linkEdge: link.borderTopColor,
  };
}"""


@SCHEMES
def test_the_booking_bar_keeps_a_firm_edge(open_page, scheme):
    # Forced colours drop the bar's shadow and fill: a firm line between it
    # and the article it floats over marks where the page ends and it begins.
    page = open_page("/", reduced_motion="reduce")
    force_colours(page, scheme)
    page.evaluate("window.scrollTo({top: 2000, behavior: 'instant'})")
    bar = page.get_by_role("navigation", name="Booking")
    expect(bar.get_by_role("link", name="Book a session")).to_be_visible()
    edge = bar.evaluate(_EDGE_JS)
    assert edge["position"] == "fixed", edge
    assert edge["style"] == "solid" and edge["width"] >= 2, edge
    assert edge["edge"] != edge["background"], edge
    # The button keeps its own outline on the bar's system background.
    assert edge["linkEdge"] != edge["background"], edge
    # Opaque: the article's words do not show through it.
    assert edge["background"].startswith("rgb("), edge
