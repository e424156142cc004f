"""The article page is rendered once per address and kept: never a wrong page.

The fast path (webapp/site/fast_path.py) keeps it, the article's one cache.
"""

import re

from .conftest import READER_HEADERS


def book_links(html):
    """The booking buttons' addresses on a page."""
    return re.findall(r'href="(/book\?[^"]+)"', html)


def test_each_campaign_address_keeps_its_own_booking_links(client):
    first = client.get("/?utm_source=news").get_data(as_text=True)
    second = client.get("/?utm_source=radio").get_data(as_text=True)
    again = client.get("/?utm_source=news").get_data(as_text=True)
    assert book_links(first) and book_links(second)  # buttons to check
    assert all("utm_source=news" in link for link in book_links(first))
    assert all("utm_source=radio" in link for link in book_links(second))
    assert again == first
    plain = client.get("/").get_data(as_text=True)
    assert book_links(plain)
    assert not any("utm_" in link for link in book_links(plain))


def test_widget_state_follows_the_address(client):
    training = client.get("/?aspect=training").get_data(as_text=True)
    purpose = client.get("/?aspect=purpose").get_data(as_text=True)
    assert re.search(r'aria-current="true">Training', training)
    assert re.search(r'aria-current="true">Purpose', purpose)


def test_canonical_address_follows_the_host(client):
    one = client.get("/", base_url="https://one.example").get_data(as_text=True)
    two = client.get("/", base_url="https://two.example").get_data(as_text=True)
    assert '<link rel="canonical" href="https://one.example/">' in one
    assert '<link rel="canonical" href="https://two.example/">' in two


def test_unknown_aspect_is_still_a_404_after_pages_were_kept(client):
    client.get("/?aspect=training")
    assert client.get("/?aspect=nonsense").status_code == 404


def test_kept_pages_are_bounded(app, client):
    from .test_fast_path import fast_path_of

    fast = fast_path_of(app)
    app.config["ARTICLE_CACHE_SIZE"] = 3
    for number in range(10):
        client.get(f"/?utm_source=s{number}")
        # Pages are kept (one at least, the last) and never more than three.
        assert 1 <= len(fast.kept) <= 3
    assert len(fast.kept) <= 3
    # A page rendered again after the clear-out still has its own links.
    again = book_links(client.get("/?utm_source=s0").get_data(as_text=True))
    assert again and all("utm_source=s0" in link for link in again)


def test_every_full_page_load_is_still_counted(app, client):
    for _ in range(3):
        with client.get("/?utm_source=news", headers=READER_HEADERS):
            pass
    with app.app_context():
        from webapp.core.db import get_db

        views = get_db().execute("SELECT count(*) FROM events WHERE kind = 'view'")
        assert views.fetchone()[0] == 3
