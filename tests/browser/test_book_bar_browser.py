"""The booking bar on a phone (issue 30): one tap from booking, never in the way.

A 375 x 812 phone reads the article with the practice's details filled in.
With JavaScript the bar is pinned to the foot of the screen from the second
screen on; it gives way to the footer's booking link, never covers the
chooser's submit button, steps aside for the on-screen keyboard and for a
"get care today" suggestion, and while hidden it is out of the tab order.
Without JavaScript, and on a laptop, it is a plain link after the article.
"""

import re

import pytest
from playwright.sync_api import expect

from ..practice_data import filled_practice_app
from .conftest import DESKTOP, ZOOMED, axe_violations
from .test_chooser_safety_browser import OUTCOMES, TIERS, answer, expect_outcome, submit

TALL_PHONE = {"width": 375, "height": 812}
LABEL = "Book a session · from $90"
BOOKING_PAGE = "https://www.massagebook.com/**"


@pytest.fixture
def app(tmp_path):
    """The site with the practice's details filled in (live_server serves it)."""
    return filled_practice_app(tmp_path / "practice")


def phone_page(open_page, path="/", **options):
    """The page on a 375 x 812 phone; instant scrolling, so positions are exact."""
    return open_page(path, viewport=TALL_PHONE, reduced_motion="reduce", **options)


def the_bar(page):
    """The bar's nav and its link, found by markup (a hidden bar has no role)."""
    return page.locator("[data-book-bar]"), page.locator("[data-book-bar] a")


def shown_link(page):
    """The bar's link as a screen reader finds it: named, in the Booking nav."""
    nav = page.get_by_role("navigation", name="Booking")
    return nav.get_by_role("link", name=LABEL, exact=True)


def scroll_to(page, top):
    """Scroll to ``top`` and let the page catch up (its observers run per frame)."""
    page.evaluate(
        """async (top) => {
          window.scrollTo({top, behavior: 'instant'});
          for (let frame = 0; frame < 3; frame++) {
            await new Promise((done) => requestAnimationFrame(done));
          }
        }""",
        top,
    )


def top_of(page, selector):
    """Where ``selector``'s first element starts, from the top of the page."""
    return page.evaluate(
        "s => document.querySelector(s).getBoundingClientRect().top + scrollY",
        selector,
    )


def past_the_title(page):
    """A point well past the title, far from the chooser and the footer."""
    return top_of(page, "#article-title") + 1500


def expect_hidden(page):
    bar, link = the_bar(page)
    expect(link).to_be_hidden()
    expect(bar).to_have_attribute("inert", "")


def expect_shown(page):
    bar, _ = the_bar(page)
    expect(shown_link(page)).to_be_visible()
    expect(bar).not_to_have_attribute("inert", re.compile(".*"))


# --- Where it shows --------------------------------------------------------------


def test_the_bar_shows_past_the_title_and_leads_to_booking(open_page):
    page = phone_page(open_page)
    bar, link = the_bar(page)
    # The first screen has the title and the byline's own button: no bar.
    expect(page.locator("a[data-placement='byline']")).to_be_in_viewport()
    expect_hidden(page)
    height = page.evaluate("document.documentElement.scrollHeight")

    scroll_to(page, past_the_title(page))
    expect_shown(page)
    expect(link).to_have_attribute("href", "/book?from=bottom-bar")
    expect(link).to_be_in_viewport()
    box, screen = link.bounding_box(), bar.bounding_box()
    assert box["height"] >= 48, box
    # Pinned to the foot of the screen, across its width...
    assert screen["y"] + screen["height"] == pytest.approx(TALL_PHONE["height"], abs=1)
    assert screen["width"] == TALL_PHONE["width"]
    # ...and out of the flow: nothing moved to make room for it.
    assert page.evaluate("document.documentElement.scrollHeight") == height

    page.route(
        BOOKING_PAGE,
        lambda route: route.fulfill(body="The booking page", content_type="text/plain"),
    )
    with page.expect_request(lambda r: "/book?" in r.url) as request:
        shown_link(page).click()
    assert request.value.url.endswith("/book?from=bottom-bar")
    expect(page).to_have_url(re.compile(r"^https://www\.massagebook\.com/"))


def test_the_bar_gives_way_to_the_footer(open_page):
    page = phone_page(open_page)
    scroll_to(page, past_the_title(page))
    expect_shown(page)
    # The footer's booking link comes on screen: the bar gives way to it.
    footer_link = page.locator(".site-footer a[data-placement='footer']")
    bottom = top_of(page, ".site-footer a[data-placement='footer']") + 40
    scroll_to(page, bottom - TALL_PHONE["height"])
    expect(footer_link).to_be_in_viewport()
    expect_hidden(page)
    scroll_to(page, page.evaluate("document.documentElement.scrollHeight"))
    expect(page.locator(".site-footer")).to_be_in_viewport()
    expect_hidden(page)
    scroll_to(page, past_the_title(page))
    expect_shown(page)


def test_the_bar_never_covers_the_choosers_submit_button(open_page):
    page = phone_page(open_page)
    button = page.locator(".chooser__submit")
    # The button at the foot of the screen, where the bar would sit: no bar.
    bottom = top_of(page, ".chooser__submit") + button.bounding_box()["height"]
    scroll_to(page, bottom + 10 - TALL_PHONE["height"])
    expect(button).to_be_in_viewport()
    expect_hidden(page)
    # Higher up the screen, clear of the bar: the bar is back, the button free.
    scroll_to(page, top_of(page, ".chooser__submit") - 200)
    expect_shown(page)
    bar_top = the_bar(page)[0].bounding_box()["y"]
    assert button.bounding_box()["y"] + button.bounding_box()["height"] < bar_top


def test_the_bar_steps_aside_for_the_keyboard(open_page):
    page = phone_page(open_page)
    scroll_to(page, past_the_title(page))
    expect_shown(page)
    # The article has no text field (the chooser's are ticks, which bring up
    # no keyboard): one is added where a reader would be typing.
    page.evaluate(
        """() => {
          const field = document.createElement('input');
          field.type = 'text';
          field.id = 'typed-here';
          field.setAttribute('aria-label', 'A text field');
          document.querySelector('.article__section:nth-of-type(3)').append(field);
          field.focus({preventScroll: true});
        }"""
    )
    expect(page.locator("#typed-here")).to_be_focused()
    expect_hidden(page)
    page.evaluate("document.activeElement.blur()")
    expect_shown(page)
    # A radio button of the chooser brings up no keyboard: the bar stays.
    page.locator("#chooser-reason-stress").focus()
    expect_shown(page)

    # A keyboard our page did not open (the visual viewport shrinks to half
    # the window) hides the bar too; closing it brings the bar back.
    page.evaluate(
        """() => {
          Object.defineProperty(visualViewport, 'height', {
            configurable: true, get: () => innerHeight / 2});
          visualViewport.dispatchEvent(new Event('resize'));
        }"""
    )
    expect_hidden(page)
    page.evaluate(
        """() => {
          delete visualViewport.height;
          visualViewport.dispatchEvent(new Event('resize'));
        }"""
    )
    expect_shown(page)


def test_no_bar_while_the_chooser_says_get_care_today(open_page, live_server):
    page = phone_page(open_page)
    answers = TIERS["care-today"][0]
    answer(page, answers)
    scroll_to(page, top_of(page, ".chooser__submit") - 300)
    expect_shown(page)
    submit(page, live_server, js=True)
    expect_outcome(page, OUTCOMES["care-today"])
    expect_hidden(page)
    # Anywhere on the page, for as long as the suggestion is shown.
    scroll_to(page, past_the_title(page))
    expect_hidden(page)
    expect(page.locator("[data-current='care-today']")).to_have_count(1)


def test_the_bar_works_again_after_back_and_forward(open_page, live_server):
    # Back and forward replace the page's body (htmx keeps no snapshot): the
    # new page's bar is pinned and hidden as the first one was.
    page = phone_page(open_page)
    tab = page.locator("#compare [data-key]").nth(1)
    tab.click()
    expect(page).to_have_url(re.compile(r"aspect="))
    page.go_back()
    expect(page).to_have_url(live_server.url + "/")
    scroll_to(page, 0)
    expect_hidden(page)
    scroll_to(page, past_the_title(page))
    expect_shown(page)
    expect(the_bar(page)[0]).to_have_css("position", "fixed")


# --- The keyboard and screen readers ---------------------------------------------


def focus_the_last_thing_in_the_article(page):
    """Focus the article's last focusable element, without scrolling to it."""
    page.evaluate(
        """() => {
          const all = document.querySelectorAll(
            'main a[href], main button, main input, main [tabindex="0"]');
          all[all.length - 1].focus({preventScroll: true});
        }"""
    )


def test_the_shown_bar_is_next_in_the_tab_order_the_hidden_one_is_not(open_page):
    page = phone_page(open_page)
    _, link = the_bar(page)
    # Hidden (the title is on screen): Tab goes from the article to the footer.
    expect_hidden(page)
    focus_the_last_thing_in_the_article(page)
    page.keyboard.press("Tab")
    expect(page.locator(".site-footer :focus")).to_have_count(1)
    expect(link).not_to_be_focused()

    page.evaluate("document.activeElement.blur()")
    scroll_to(page, past_the_title(page))
    expect_shown(page)
    focus_the_last_thing_in_the_article(page)
    page.keyboard.press("Tab")
    expect(shown_link(page)).to_be_focused()
    expect(shown_link(page)).to_be_in_viewport()
    # Enter on it books, as a click does.
    page.route(
        BOOKING_PAGE,
        lambda route: route.fulfill(body="The booking page", content_type="text/plain"),
    )
    with page.expect_request(lambda r: "/book?" in r.url) as request:
        page.keyboard.press("Enter")
    assert request.value.url.endswith("/book?from=bottom-bar")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_shown_bar_has_no_accessibility_violations(open_page, scheme):
    page = phone_page(open_page, color_scheme=scheme)
    scroll_to(page, past_the_title(page))
    expect_shown(page)
    assert axe_violations(page) == []


# The focused element is clear of the bar (or the bar is hidden or holds it);
# one taller than half the screen (a tab panel) shows at least its start.
_FOCUS_IN_SIGHT = """() => {
  const focused = document.activeElement;
  const bar = document.querySelector('[data-book-bar]');
  if (!focused || focused === document.body) return false;
  const box = focused.getBoundingClientRect();
  const hidden = bar.hasAttribute('data-hidden') || bar.contains(focused);
  const clear = hidden ? innerHeight : bar.getBoundingClientRect().top;
  if (box.height > innerHeight / 2) return box.top >= 0 && box.top + 40 <= clear;
  return box.top >= 0 && box.bottom <= clear;
}"""


def test_the_bar_never_hides_what_has_the_keyboards_focus(open_page):
    page = phone_page(open_page)
    last = page.locator(".site-footer a").last
    for step in range(90):  # every link, tab, technique and question, in order
        page.keyboard.press("Tab")
        if step > 30 and last.evaluate("(a) => a === document.activeElement"):
            break
        try:
            page.wait_for_function(_FOCUS_IN_SIGHT, timeout=2000)
        except Exception as error:
            focused = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
            message = f"Tab {step + 1}: {focused} is under the bar"
            raise AssertionError(message) from error
    else:
        raise AssertionError("Tab never reached the footer")


# --- Without JavaScript, and on a laptop -------------------------------------------


def test_without_javascript_the_bar_is_a_link_after_the_article(open_page):
    page = phone_page(open_page, js=False)
    bar, link = the_bar(page)
    expect(bar).to_have_css("position", "static")
    link.scroll_into_view_if_needed()
    expect(shown_link(page)).to_be_visible()
    expect(link).to_have_attribute("href", "/book?from=bottom-bar")
    article = page.locator("article.article").bounding_box()
    footer = page.locator(".site-footer").bounding_box()
    box = link.bounding_box()
    assert article["y"] + article["height"] <= box["y"]
    assert box["y"] + box["height"] <= footer["y"]
    assert box["height"] >= 48


@pytest.mark.parametrize(
    "viewport",
    [DESKTOP, {"width": 812, "height": 375}, ZOOMED],
    ids=["1280px", "phone-sideways", "400%-zoom"],
)
def test_a_laptop_or_a_short_screen_has_no_fixed_bar(open_page, viewport):
    # A short screen cannot spare the room: the link after the article.
    page = open_page("/", viewport=viewport, reduced_motion="reduce")
    bar, link = the_bar(page)
    scroll_to(page, past_the_title(page))
    expect(bar).to_have_css("position", "static")
    expect(link).not_to_be_in_viewport()
    # It is the link after the article, as without JavaScript.
    link.scroll_into_view_if_needed()
    expect(shown_link(page)).to_be_visible()
    expect(bar).to_have_css("position", "static")


# --- Always one tap from booking -----------------------------------------------------

# Some booking button (the bar's included) on screen and shown.
_BUTTON_ON_SCREEN = """() => [...document.querySelectorAll('a[data-placement]')].some(
  (a) => {
    const box = a.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= innerHeight
      && a.checkVisibility({visibilityProperty: true, opacityProperty: true})
      && !a.closest('[inert]');
  })"""


def test_every_screen_of_the_article_has_a_booking_button(open_page):
    page = phone_page(open_page)
    screen = TALL_PHONE["height"]
    end = page.evaluate("document.documentElement.scrollHeight") - screen
    stops = [*range(0, end, screen), end]
    for top in stops:
        scroll_to(page, top)
        try:
            page.wait_for_function(_BUTTON_ON_SCREEN, timeout=3000)
        except Exception as error:
            raise AssertionError(
                f"no booking button on the screen at {top}px"
            ) from error
    assert len(stops) > 10  # the whole article, screen by screen
