"""A reader finds and uses a second article in a real browser, JS on and off.

The content folder holds the home article, a second published article with
the three widgets, and a draft (tests/test_articles_pages.py writes it). The
second is at its own address with its widgets working there, listed at the
end of the first and on /articles; the draft is a 404 to a reader and shown,
marked, to the signed-in owner.
"""

import re

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from ..conftest import DESKTOP as READER
from ..conftest import make_app
from ..servers import wait_until
from ..test_articles_pages import (
    DRAFT,
    DRAFT_TITLE,
    HOME_TITLE,
    SECOND,
    SECOND_TITLE,
    events,
    widget_pages,
    write_articles,
)
from .conftest import DESKTOP, JOURNEYS, axe_violations, page_without_scripts

WIDGETS = load_widgets()
ASPECT = WIDGETS.comparison.aspects[2]
OUTCOMES = WIDGETS.chooser.outcomes
SECOND_PATH = f"/articles/{SECOND}"


@pytest.fixture
def app(database_path, tmp_path):
    """The app on a content folder of three articles: home, second and a draft."""
    return make_app(database_path, CONTENT_DIR=str(write_articles(tmp_path / "c")))


def more_from(page):
    """The "More from" list at the end of the article."""
    return page.get_by_role("navigation", name=re.compile("^More from "))


def answer_chooser(page, answers):
    """Tick each answer by its label and send the chooser, as a reader does."""
    for question, answer_id in answers.items():
        page.locator(f"label[for='chooser-{question}-{answer_id}']").click()
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_reader_finds_the_second_article_and_uses_its_widgets(
    open_page, live_server, database_path, js
):
    url = live_server.url
    # A reader's browser (headless Chromium says it is one, a bot's sign).
    page = open_page("/", viewport=DESKTOP, js=js, user_agent=READER)
    expect(more_from(page).get_by_role("link", name=SECOND_TITLE)).to_be_visible()
    more_from(page).get_by_role("link", name=SECOND_TITLE).click()
    expect(page).to_have_url(url + SECOND_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(SECOND_TITLE)
    expect(page).to_have_title(re.compile(f"^{SECOND_TITLE} \\| "))
    # Its booking buttons name it.
    header_book = page.locator("header [data-placement=header]")
    expect(header_book).to_have_attribute("href", f"/book?from=header&article={SECOND}")

    page.locator(f"#aspect-{ASPECT.id}").click()
    expect(page.locator("#compare-panel")).to_contain_text(ASPECT.medical[0])
    expect(page).to_have_url(f"{url}{SECOND_PATH}?aspect={ASPECT.id}#compare")

    answer_chooser(page, JOURNEYS["medical"])
    result = page.locator("#chooser-result")
    expect(
        result.get_by_role("heading", name=OUTCOMES["medical"].title)
    ).to_be_visible()
    expect(result.locator("[data-placement=chooser-medical]")).to_have_attribute(
        "href", f"/book?from=chooser-medical&article={SECOND}"
    )
    # Still on the second article (the no-JS form posted to its own address).
    expect(page).to_have_url(re.compile(re.escape(url + SECOND_PATH)))
    expect(page.get_by_role("heading", level=1)).to_have_text(SECOND_TITLE)

    # Its own list leads back to the first.
    more_from(page).get_by_role("link", name=HOME_TITLE).click()
    expect(page).to_have_url(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_TITLE)

    # Every use counted to the second article; each view to its own page
    # (stored as each answer closes: waited for, never asserted at once).
    uses = {(SECOND_PATH, "aspect", ASPECT.id), (SECOND_PATH, "chooser", "medical")}
    assert wait_until(lambda: uses <= set(widget_pages(database_path)), seconds=10)
    views = ["/", SECOND_PATH, "/"] if js else ["/", SECOND_PATH, SECOND_PATH, "/"]
    assert wait_until(
        lambda: _pages(events(database_path, "view")) == views, seconds=10
    )


def _pages(stored):
    """The pages of stored events, in order."""
    return [page for page, _placement in stored]


def test_the_articles_page_lists_both_and_passes_axe(open_page, live_server):
    page = open_page("/articles", viewport=DESKTOP)
    links = page.get_by_role("main").get_by_role("link")
    expect(links).to_have_text([SECOND_TITLE, HOME_TITLE])
    expect(page.get_by_role("main")).not_to_contain_text(DRAFT_TITLE)
    assert axe_violations(page) == []
    links.first.click()
    expect(page).to_have_url(live_server.url + SECOND_PATH)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_second_article_passes_axe(open_page, live_server, js):
    if js:
        page = open_page(SECOND_PATH, viewport=DESKTOP)
        expect(page.get_by_role("tab").first).to_be_visible()
    else:
        page = page_without_scripts(
            open_page, live_server, SECOND_PATH, viewport=DESKTOP
        )
    expect(more_from(page)).to_be_visible()
    assert axe_violations(page) == []


def test_the_draft_is_a_404_to_a_reader_and_the_owners_to_see(
    open_page, live_server, owner_password
):
    reader = open_page(f"/articles/{DRAFT}", viewport=DESKTOP)
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "We could not find that page"
    )
    expect(reader.locator("body")).not_to_contain_text(DRAFT_TITLE)

    owner = open_page(f"/login?next=/articles/{DRAFT}", viewport=DESKTOP)
    owner.get_by_label("Password").fill(owner_password)
    owner.get_by_role("button", name="Sign in").click()
    expect(owner).to_have_url(f"{live_server.url}/articles/{DRAFT}")
    expect(owner.get_by_role("heading", level=1)).to_have_text(DRAFT_TITLE)
    expect(owner).to_have_title(re.compile(f"^Draft: {DRAFT_TITLE}"))
    expect(owner.get_by_role("note").filter(has_text="Draft.")).to_contain_text(
        "Only you can see this article"
    )
    assert axe_violations(owner) == []
    # Not listed to the owner either: published articles only, then the list.
    expect(more_from(owner).get_by_role("link")).to_have_text(
        [SECOND_TITLE, HOME_TITLE, "All articles"]
    )
