"""Nothing on the article page moves under the reader's eyes on a phone.

The page loads with the practice's details filled in (byline photo, prices),
then is scrolled through to the footer as a reader would, the booking bar
showing up on the way; the browser's own layout-shift measure
(PerformanceObserver 'layout-shift', the one behind Cumulative Layout Shift)
must stay at 0 (anything under 0.01 is allowed: Google's "good" is 0.1).
"""

import pytest
from playwright.sync_api import expect

from ..practice_data import filled_practice_app

PHONE = {"width": 375, "height": 812}
ALLOWED_SHIFT = 0.01
# Every layout shift since the page began (buffered), with what moved and how.
RECORD_SHIFTS = """
window.__layoutShifts = [];
window.__shiftObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__layoutShifts.push({
      value: entry.value,
      at: Math.round(entry.startTime),
      scrollY: Math.round(window.scrollY),
      moved: (entry.sources || []).map((source) => {
        const node = source.node;
        const name = !node ? '(removed)' : node.nodeType !== 1 ? node.nodeName
          : node.localName + (node.id ? '#' + node.id : '')
            + [...node.classList].slice(0, 2).map((c) => '.' + c).join('');
        const box = (r) => `${Math.round(r.y)}+${Math.round(r.height)}`;
        return `${name} y ${box(source.previousRect)} -> ${box(source.currentRect)}`;
      }),
    });
  }
});
window.__shiftObserver.observe({type: 'layout-shift', buffered: true});
"""
SHIFTS_SO_FAR = """() => {
  window.__shiftObserver.takeRecords();  // nothing pending left out
  return window.__layoutShifts;
}"""
NEXT_FRAMES = (
    "() => new Promise((done) => requestAnimationFrame("
    "() => requestAnimationFrame(done)))"
)


@pytest.fixture
def app(tmp_path):
    """The site with every practice block filled in (live_server serves it)."""
    return filled_practice_app(tmp_path / "practice")


@pytest.fixture
def phone_page(browser, live_server):
    """A 375 x 812 touch phone recording layout shifts from the first paint."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(RECORD_SHIFTS)
    yield context.new_page()
    context.close()


def test_loading_and_scrolling_the_article_shifts_nothing(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/", wait_until="networkidle")
    expect(page.locator("#article-title")).to_be_in_viewport()
    bar_link = page.get_by_role("navigation", name="Booking").get_by_role("link")
    page.mouse.move(PHONE["width"] / 2, PHONE["height"] / 2)
    # A reader's scroll, most of a screen at a time, down to the footer.
    bottom = page.evaluate("document.documentElement.scrollHeight - innerHeight")
    steps = 0
    while page.evaluate("scrollY") < bottom - 1 and steps < 100:
        page.mouse.wheel(0, PHONE["height"] * 0.75)
        page.evaluate(NEXT_FRAMES)
        steps += 1
        if steps == 2:  # the title is gone: the bar has come up
            expect(bar_link).to_be_in_viewport()
        bottom = page.evaluate("document.documentElement.scrollHeight - innerHeight")
    expect(page.locator(".site-footer")).to_be_in_viewport()
    page.evaluate(NEXT_FRAMES)
    shifts = page.evaluate(SHIFTS_SO_FAR)
    total = sum(shift["value"] for shift in shifts)
    assert total < ALLOWED_SHIFT, shifts
