"""A reader opens the article on a phone and on a laptop, with JS on and off."""

import pytest

from .conftest import DESKTOP, PHONE, axe_violations

HEADINGS = [
    "What Comes to Mind When You Hear “Massage”?",
    "Medical Massage: Targeting Specific Conditions",
    "Therapeutic Massage: Healing with Focus on Overall Well-Being",
    "Key Differences Between Medical and Therapeutic Massage",
    "Which One Is Right for You?",
]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_reader_sees_headings_and_booking_button(open_page, viewport, js):
    page = open_page("/", viewport=viewport, js=js)
    for heading in HEADINGS:
        assert page.get_by_role("heading", name=heading).is_visible()
    # The big button at the end, in the practice's one booking label.
    book = page.locator(".cta").get_by_role("link", name="Book a session")
    book.scroll_into_view_if_needed()
    assert book.is_visible()
    assert book.get_attribute("href").startswith("/book?from=article-end")
    assert page.locator("time[datetime='2025-03-18']").is_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.watch.assert_clean()


def test_text_is_readable_measure_and_line_height(open_page):
    page = open_page("/", viewport=DESKTOP)
    paragraph = page.locator(".article__section").nth(1).locator("p").nth(1)
    # Count the characters on each full rendered line of the first paragraph.
    metrics = paragraph.evaluate(
        """p => {
            const text = [...p.childNodes]
                .find(n => n.nodeType === 3 && n.length > 100);
            const range = document.createRange();
            const lines = new Map();
            for (let i = 0; i < text.length; i++) {
                range.setStart(text, i);
                range.setEnd(text, i + 1);
                const top = Math.round(range.getBoundingClientRect().top);
                lines.set(top, (lines.get(top) || 0) + 1);
            }
            const counts = [...lines.values()].slice(0, -1);
            const style = getComputedStyle(p);
            return {
                chars: counts.reduce((a, b) => a + b, 0) / counts.length,
                lineHeight: parseFloat(style.lineHeight) / parseFloat(style.fontSize),
                font: style.fontFamily,
            };
        }"""
    )
    assert 55 <= metrics["chars"] <= 80
    assert metrics["lineHeight"] >= 1.5
    assert "system-ui" in metrics["font"]


def test_booking_link_leads_to_the_booking_url(open_page, live_server):
    page = open_page("/")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    # Stop at our own redirect: the booking site is on the network outside.
    page.route("https://www.massagebook.com/**", lambda route: route.abort())
    with page.expect_response(lambda r: "/book?" in r.url) as response_info:
        end = page.locator(".cta").get_by_role("link", name="Book a session")
        end.click(no_wait_after=True)
    response = response_info.value
    assert response.status == 302
    assert response.headers["location"] == (
        "https://www.massagebook.com/therapists/Reachforserenity"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(open_page, scheme):
    page = open_page("/", color_scheme=scheme)
    assert axe_violations(page) == []


def test_dark_mode_changes_the_palette(open_page):
    light = open_page("/", color_scheme="light")
    dark = open_page("/", color_scheme="dark")
    script = "getComputedStyle(document.body).backgroundColor"
    assert light.evaluate(script) != dark.evaluate(script)


def test_print_hides_the_chrome(open_page):
    page = open_page("/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert page.get_by_role("heading", name=HEADINGS[1]).is_visible()


def test_keyboard_focus_is_visible(open_page):
    page = open_page("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.className, s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] == "skip-link"
    assert focused[1] == "solid"
    assert focused[2] != "0px"


def test_friendly_404_in_the_site_design(open_page):
    page = open_page("/no-such-page")
    assert page.get_by_role("heading", name="We could not find that page").is_visible()
    assert page.get_by_role("link", name="Read the article").is_visible()
    page.watch.assert_clean()
