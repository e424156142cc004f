"""The booking bar (issue 30): one link in the page, after the article.

site.js pins it to the foot of a phone's screen; here, what the server
sends: the link a reader without JavaScript has, where the bar is and where
it is not.
"""

import re
from html import unescape

import pytest

from .conftest import make_app
from .practice_data import FILLED_PRACTICE, filled_practice_app, write_practice
from .test_chooser import answers

BAR = re.compile(
    r'<nav class="book-bar" aria-label="Booking" data-book-bar>(.*?)</nav>', re.S
)


def bar_of(html):
    """The bar's markup, or None when the page has none."""
    found = BAR.findall(html)
    assert len(found) <= 1, "one bar at most"
    return found[0] if found else None


def link_of(bar):
    """The bar's one link: (href, the words a reader sees)."""
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]*)</a>', bar)
    assert len(links) == 1, bar
    href, words = links[0]
    return unescape(href), " ".join(unescape(words).split())


@pytest.fixture
def filled(tmp_path):
    """A test client of the site with the practice's details filled in."""
    return filled_practice_app(tmp_path / "filled").test_client()


def test_the_bar_books_a_session_from_the_lowest_price(filled):
    html = filled.get("/").get_data(as_text=True)
    bar = bar_of(html)
    assert bar is not None
    href, words = link_of(bar)
    assert words == "Book a session · from $90"
    assert href == "/book?from=bottom-bar"
    assert 'data-placement="bottom-bar"' in bar
    # In the flow after the article, before the footer: where a reader
    # without JavaScript finds it.
    assert html.index("</main>") < html.index('class="book-bar"')
    assert html.index('class="book-bar"') < html.index('<footer class="site-footer"')


def test_without_prices_the_bar_says_just_the_label(client):
    href, words = link_of(bar_of(client.get("/").get_data(as_text=True)))
    assert words == "Book a session"
    assert "from" not in words.lower()
    assert href == "/book?from=bottom-bar"


def test_the_owners_label_is_the_bars_as_text(tmp_path, database_path):
    own = FILLED_PRACTICE + "book_label: Book <now> & relax\n"
    app = make_app(database_path, PRACTICE_FILE=str(write_practice(tmp_path, own)))
    bar = bar_of(app.test_client().get("/").get_data(as_text=True))
    assert "Book &lt;now&gt; &amp; relax · from $90" in bar


def test_the_bar_carries_the_visits_campaign(filled):
    campaign = "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
    href, _ = link_of(bar_of(filled.get(campaign).get_data(as_text=True)))
    assert href == (
        "/book?from=bottom-bar&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring"
    )


def test_no_bar_on_the_privacy_page_or_the_owners_pages(filled, owner_client):
    assert bar_of(filled.get("/privacy").get_data(as_text=True)) is None
    for path in ("/stats", "/stats/bookings", "/stats/digest"):
        response = owner_client.get(path)
        assert response.status_code == 200, path
        assert bar_of(response.get_data(as_text=True)) is None, path
        assert "bottom-bar" not in response.get_data(as_text=True), path


def test_no_bar_while_the_chooser_says_get_care_today(filled):
    # A reader without JavaScript posts the chooser's form: with a red flag
    # for today, the page sends them to a doctor, with no booking bar.
    response = filled.post("/", data=answers("stress", "no", "limb"))
    html = response.get_data(as_text=True)
    assert 'data-current="care-today"' in html
    assert bar_of(html) is None
    assert "from=bottom-bar" not in html


@pytest.mark.parametrize(
    ("given", "outcome"),
    [
        (answers("problem", "yes", goal="relief"), "medical"),
        (answers("upkeep", "no", "blood-thinners", goal="move"), "provider-first"),
    ],
)
def test_other_suggestions_keep_the_bar(filled, given, outcome):
    html = filled.post("/", data=given).get_data(as_text=True)
    assert f'data-current="{outcome}"' in html
    assert link_of(bar_of(html))[0] == "/book?from=bottom-bar"
