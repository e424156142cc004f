"""Layout as a reader sees it, with "Before you book" filled in (issue 30, item 7).

Card titles lead their labels, the therapist's photo is large enough to see a
face, desktop shows the cards two abreast, a phone gives the technique notes
a readable line, and the footer's words start where the article's text does.
Measured in the page at 375 x 812 and 1280 x 800.
"""

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from ..practice_data import filled_practice_app

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = pytest.mark.parametrize(
    "viewport", [PHONE, DESKTOP], ids=["phone", "desktop"]
)
TECHNIQUE = load_widgets().techniques.items[0]
BEFORE_YOU_BOOK = "section[aria-labelledby=practice-title]"

# The left edge of an element's first line of text (not of its box).
_TEXT_LEFT_JS = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getClientRects()[0].left;
}"""

# The most characters on one line of an element's text, line by line.
_CHARACTERS_A_LINE_JS = """(el) => {
  const text = el.firstChild;
  const lines = new Map();
  const range = document.createRange();
  for (let i = 0; i < text.length; i++) {
    range.setStart(text, i);
    range.setEnd(text, i + 1);
    const top = Math.round(range.getBoundingClientRect().top);
    lines.set(top, (lines.get(top) || 0) + 1);
  }
  return Math.max(...lines.values());
}"""


@pytest.fixture
def app(tmp_path):
    """The site with every practice block filled in (live_server serves it)."""
    return filled_practice_app(tmp_path / "practice")


def font(locator):
    """A locator's computed font size (px) and weight."""
    return locator.evaluate(
        "(el) => { const s = getComputedStyle(el);"
        " return [parseFloat(s.fontSize), parseFloat(s.fontWeight)]; }"
    )


def boxes(locator):
    """The bounding box of every element a locator matches."""
    return [locator.nth(i).bounding_box() for i in range(locator.count())]


def test_card_titles_stand_out_from_their_labels(open_page):
    page = open_page("/", viewport=PHONE)
    section = page.locator(BEFORE_YOU_BOOK)
    expect(section).to_be_visible()
    titles = section.locator(".practice__block h3")
    labels = section.locator(".practice__terms dt, .practice__label")
    expect(titles).to_have_count(4)
    assert labels.count() >= 8
    label_fonts = [font(labels.nth(i)) for i in range(labels.count())]
    largest_label = max(size for size, _ in label_fonts)
    boldest_label = max(weight for _, weight in label_fonts)
    for i in range(titles.count()):
        size, weight = font(titles.nth(i))
        # Clearly larger (a fifth at least), and never lighter.
        assert size >= 1.2 * largest_label, (titles.nth(i).inner_text(), size)
        assert weight >= boldest_label, (titles.nth(i).inner_text(), weight)


@VIEWPORTS
def test_the_therapists_photo_is_large_enough_to_see(open_page, viewport):
    page = open_page("/", viewport=viewport)
    photo = page.locator(BEFORE_YOU_BOOK).get_by_role(
        "img", name="Jordan Lee in the treatment room"
    )
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    box = photo.bounding_box()
    assert box["width"] >= 140, box
    assert box["height"] == pytest.approx(box["width"], abs=1), box
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box


def test_before_you_book_takes_two_columns_on_desktop(open_page):
    page = open_page("/", viewport=DESKTOP)
    cards = page.locator(f"{BEFORE_YOU_BOOK} .practice__block")
    expect(cards).to_have_count(4)
    placed = boxes(cards)
    beside = [
        (a, b)
        for a in placed
        for b in placed
        if a["x"] + a["width"] <= b["x"]  # b starts right of a's edge
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]  # and they share some height
    ]
    assert beside, placed
    # Still inside the window: nothing to scroll sideways.
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 1280 for box in placed)


def test_before_you_book_stacks_on_a_phone(open_page):
    page = open_page("/", viewport=PHONE)
    cards = page.locator(f"{BEFORE_YOU_BOOK} .practice__block")
    expect(cards).to_have_count(4)
    placed = boxes(cards)
    assert len({round(box["x"]) for box in placed}) == 1, placed
    assert all(
        upper["y"] + upper["height"] <= lower["y"]
        for upper, lower in zip(placed, placed[1:], strict=False)
    ), placed


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_technique_notes_keep_a_readable_line_on_a_phone(open_page, js):
    page = open_page(f"/?technique={TECHNIQUE.id}", viewport=PHONE, js=js)
    facts = page.locator(f"[data-current='{TECHNIQUE.id}'] .technique__fact dd")
    expect(facts).to_have_count(4)
    for i in range(facts.count()):
        fact = facts.nth(i)
        fact.scroll_into_view_if_needed()
        assert fact.bounding_box()["width"] >= 300, fact.inner_text()[:40]
        assert fact.evaluate(_CHARACTERS_A_LINE_JS) >= 35, fact.inner_text()[:40]
    # The widget spans the phone's screen, never past it.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@VIEWPORTS
@pytest.mark.parametrize("path", ["/", "/privacy"])
def test_the_footer_lines_up_with_the_text(open_page, viewport, path):
    page = open_page(path, viewport=viewport)
    footer_name = page.locator(".site-footer__name")
    expect(footer_name).to_be_visible()
    text = page.locator(".article__section p").first
    footer_left = footer_name.evaluate(_TEXT_LEFT_JS)
    text_left = text.evaluate(_TEXT_LEFT_JS)
    assert footer_left == pytest.approx(text_left, abs=3)
