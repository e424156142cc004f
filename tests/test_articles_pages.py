"""The reader's pages for every article (issue 32): addresses, lists, numbers.

A content folder of its own holds the shipped home article, a second
published article and a draft. Readers get each published article at its
own address (the home one at "/"), find the others at the end of each and on
/articles; a draft is a 404 to them and the signed-in owner's alone. Every
view, widget use, booking click and call counts to the article it was on.
"""

import json
import re
import shutil
from html import unescape

import pytest

from webapp.core.db import connect
from webapp.site.article import ARTICLE_FILE, load_article
from webapp.site.content import CONTENT_DIR
from webapp.site.practice import load_practice

from .conftest import OWNER_PASSWORD, log_in, make_app, store_owner_password, visit
from .practice_data import filled_practice_app
from .test_calls import BEACON, tel_links
from .test_chooser import answers
from .test_fast_path import fast_path_of

HOME = ARTICLE_FILE.stem
HOME_TITLE = load_article(ARTICLE_FILE).title
PRACTICE = load_practice().name
SECOND = "prenatal-massage"
DRAFT = "first-visit"
SECOND_TITLE = "Massage While You Are Pregnant"
SECOND_DESCRIPTION = "What prenatal massage is, when to wait, and how to book one."
DRAFT_TITLE = "What Your First Visit Is Like"
SECOND_ARTICLE = f"""---
title: {SECOND_TITLE}
published: 2025-05-02
description: {SECOND_DESCRIPTION}
health_note: Talk to your midwife or doctor before your first prenatal massage.
widgets:
  - widget: comparison
    after: is-it-safe
  - widget: techniques
    after: is-it-safe
  - widget: chooser
    after: booking-one
---
Many people ask whether massage is safe while they are pregnant.

---

## Is it safe

After the first trimester, with a therapist trained for it, usually yes.

---

## Booking one

Say you are pregnant when you book, and how far along.
"""
DRAFT_ARTICLE = f"""---
title: {DRAFT_TITLE}
published: false
description: From the door to the table, what happens at your first session.
health_note: Tell your therapist about any health concern before you start.
---
## At the door

You fill in a short form first.
"""


def write_articles(folder):
    """A copy of the shipped content folder, with a second article and a draft."""
    shutil.copytree(CONTENT_DIR, folder)
    (folder / "articles" / f"{SECOND}.md").write_text(SECOND_ARTICLE)
    (folder / "articles" / f"{DRAFT}.md").write_text(DRAFT_ARTICLE)
    return folder


@pytest.fixture
def app(database_path, tmp_path):
    """The app on a content folder of three articles: home, second and a draft."""
    return make_app(database_path, CONTENT_DIR=str(write_articles(tmp_path / "c")))


@pytest.fixture
def owner(app, database_path):
    """A test client signed in as the owner."""
    store_owner_password(database_path)
    client = app.test_client()
    assert log_in(client, OWNER_PASSWORD).status_code == 302
    return client


def html_of(response):
    """The response's HTML as text."""
    return response.get_data(as_text=True)


def meta(html, name):
    """The content of the ``<meta name=...>`` or ``property=...`` tag ``name``."""
    match = re.search(rf'<meta (?:name|property)="{name}" content="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def canonical(html):
    """The page's canonical address."""
    return re.search(r'<link rel="canonical" href="([^"]*)"', html).group(1)


def json_ld(html):
    """The page's JSON-LD graph, by type."""
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html)
    return {node["@type"]: node for node in json.loads(found.group(1))["@graph"]}


def more_from_nav(html):
    """The "More from" block at the end of an article, or None."""
    found = re.search(r'<nav class="more-articles".*?</nav>', html, re.S)
    return found.group(0) if found else None


def more_from(html):
    """The "More from" list at the end of an article: [(address, title)]."""
    nav = more_from_nav(html)
    return None if nav is None else article_links(nav)


def article_links(html):
    """Every listed article in ``html``: [(address, title)]."""
    return [
        (href, unescape(title))
        for href, title in re.findall(
            r'class="article-list__title"><a href="([^"]*)">([^<]*)</a>', html
        )
    ]


def events(database_path, kind):
    """The stored events of ``kind``, oldest first, as (page, placement)."""
    db = connect(str(database_path))
    try:
        sql = "SELECT page, placement FROM events WHERE kind = ? ORDER BY id"
        return [tuple(row) for row in db.execute(sql, [kind]).fetchall()]
    finally:
        db.conn.close()


def widget_pages(database_path):
    """The stored widget uses, oldest first, as (page, widget, detail)."""
    db = connect(str(database_path))
    try:
        sql = "SELECT page, widget, detail FROM events WHERE kind = 'widget'"
        return [tuple(row) for row in db.execute(sql + " ORDER BY id").fetchall()]
    finally:
        db.conn.close()


# --- Addresses ----------------------------------------------------------------------


def test_the_second_article_is_at_its_own_address_with_its_own_words(client):
    response = client.get(f"/articles/{SECOND}")
    assert response.status_code == 200
    html = html_of(response)
    assert f"<title>{SECOND_TITLE} | {PRACTICE}</title>" in html
    assert meta(html, "description") == SECOND_DESCRIPTION
    assert canonical(html) == f"http://localhost/articles/{SECOND}"
    assert meta(html, "og:url") == f"http://localhost/articles/{SECOND}"
    assert meta(html, "robots") is None
    assert "noindex" not in response.headers.get("X-Robots-Tag", "")
    # Its own sections, not the home article's.
    assert 'id="is-it-safe"' in html
    assert "Medical Massage: Targeting Specific Conditions" not in html


def test_its_json_ld_is_an_article_by_the_practice(client):
    graph = json_ld(html_of(client.get(f"/articles/{SECOND}")))
    article = graph["Article"]
    assert article["headline"] == SECOND_TITLE
    assert article["description"] == SECOND_DESCRIPTION
    assert article["datePublished"] == "2025-05-02"
    assert article["mainEntityOfPage"] == f"http://localhost/articles/{SECOND}"
    practice = {"@type": "Organization", "name": PRACTICE}
    assert article["author"] == article["publisher"] == practice
    # The business is the practice's own address, whichever article shows it.
    assert graph["HealthAndBeautyBusiness"]["url"] == "http://localhost/"


def test_the_home_article_stays_at_the_root_and_its_slug_leads_there(client):
    home = html_of(client.get("/"))
    assert canonical(home) == "http://localhost/"
    assert json_ld(home)["Article"]["mainEntityOfPage"] == "http://localhost/"
    for method in ("get", "post"):
        moved = getattr(client, method)(f"/articles/{HOME}?aspect=training")
        assert moved.status_code == 308
        assert moved.headers["Location"] == "/?aspect=training"


@pytest.mark.parametrize("slug", ["no-such-article", "Prenatal-Massage", DRAFT])
def test_an_unknown_article_or_a_draft_is_a_404_to_a_reader(client, slug):
    for method in ("get", "post"):
        response = getattr(client, method)(f"/articles/{slug}")
        assert response.status_code == 404
        assert DRAFT_TITLE not in html_of(response)


def test_the_owner_sees_the_draft_marked_and_never_kept(owner):
    response = owner.get(f"/articles/{DRAFT}")
    assert response.status_code == 200
    html = html_of(response)
    assert f"<title>Draft: {DRAFT_TITLE} | {PRACTICE}</title>" in html
    assert "Only you can see this article" in html
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert meta(html, "robots") == "noindex"
    assert "datePublished" not in json_ld(html)["Article"]
    # Drafts are listed nowhere, even for the owner.
    assert (f"/articles/{DRAFT}", DRAFT_TITLE) not in article_links(
        html_of(owner.get("/articles"))
    )
    assert f"/articles/{DRAFT}" not in html_of(owner.get("/sitemap.xml"))
    # A published article is no draft for the owner either.
    assert "Only you can see" not in html_of(owner.get(f"/articles/{SECOND}"))


# --- Finding the others ------------------------------------------------------------


def test_each_article_ends_with_the_other_published_ones(client):
    assert more_from(html_of(client.get("/"))) == [
        (f"/articles/{SECOND}", SECOND_TITLE)
    ]
    second = html_of(client.get(f"/articles/{SECOND}"))
    assert f"More from {PRACTICE}" in second
    assert more_from(second) == [("/", HOME_TITLE)]
    # The list ends with the way to every article.
    assert '<a href="/articles">All articles</a>' in more_from_nav(second)
    assert SECOND_DESCRIPTION not in second.split('class="more-articles"')[1]


def test_with_one_article_there_is_no_more_from(database_path):
    html = html_of(make_app(database_path).test_client().get("/"))
    assert "More from" not in html
    assert more_from(html) is None


def test_the_articles_page_lists_the_published_ones_newest_first(client):
    response = client.get("/articles")
    assert response.status_code == 200
    html = html_of(response)
    assert f"<title>Articles | {PRACTICE}</title>" in html
    assert article_links(html) == [
        (f"/articles/{SECOND}", SECOND_TITLE),
        ("/", HOME_TITLE),
    ]
    assert SECOND_DESCRIPTION in html
    assert DRAFT_TITLE not in html


def test_the_sitemap_has_every_published_article_with_its_date(client):
    sitemap = html_of(client.get("/sitemap.xml"))
    pages = dict(
        re.findall(r"<loc>([^<]*)</loc>\s*<lastmod>([^<]*)</lastmod>", sitemap)
    )
    assert pages["http://localhost/"] == "2025-03-18"
    assert pages[f"http://localhost/articles/{SECOND}"] == "2025-05-02"
    assert pages["http://localhost/articles"] == "2025-05-02"
    assert not any(DRAFT in url for url in pages)


# --- Widgets on another article ----------------------------------------------------


def test_widget_links_on_another_article_name_it_and_home_links_stay(client):
    second = html_of(client.get(f"/articles/{SECOND}"))
    assert (
        f'href="/articles/{SECOND}?aspect=training#compare"\n'
        f'        data-hx-get="/widgets/compare/training?article={SECOND}"'
    ) in second
    assert f'data-hx-get="/widgets/techniques/swedish?article={SECOND}"' in second
    assert f'action="/articles/{SECOND}#chooser-result"' in second
    assert f'data-hx-post="/widgets/chooser?article={SECOND}"' in second
    home = html_of(client.get("/"))
    assert 'data-hx-get="/widgets/compare/training"' in home
    assert 'data-hx-post="/widgets/chooser"' in home
    assert "article=" not in home


def test_a_fragment_pushes_its_articles_address_and_counts_there(client, database_path):
    page = f"http://localhost/articles/{SECOND}?technique=swedish"
    headers = {"HX-Request": "true", "HX-Current-URL": page}
    response = visit(
        client, f"/widgets/compare/training?article={SECOND}", headers=headers
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == (
        f"/articles/{SECOND}?aspect=training&technique=swedish#compare"
    )
    visit(client, "/widgets/compare/approach", headers={"HX-Request": "true"})
    assert widget_pages(database_path) == [
        (f"/articles/{SECOND}", "aspect", "training"),
        ("/", "aspect", "approach"),
    ]
    # Without htmx: the article's own page in that state.
    moved = client.get(f"/widgets/compare/training?article={SECOND}")
    assert moved.headers["Location"] == f"/articles/{SECOND}?aspect=training#compare"


@pytest.mark.parametrize("slug", ["no-such-article", DRAFT])
def test_a_fragment_for_no_published_article_is_a_404(client, database_path, slug):
    response = client.get(
        f"/widgets/compare/training?article={slug}", headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    assert widget_pages(database_path) == []


def test_the_owner_gets_the_drafts_fragments(owner):
    response = owner.get(
        f"/widgets/compare/training?article={DRAFT}", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert (
        response.headers["HX-Push-Url"] == f"/articles/{DRAFT}?aspect=training#compare"
    )


def test_the_chooser_without_javascript_answers_on_the_article(client, database_path):
    given = answers("problem", "yes", goal="relief")
    response = visit(client, f"/articles/{SECOND}", method="post", data=given)
    assert response.status_code == 200
    html = html_of(response)
    assert "no-store" in response.headers["Cache-Control"]
    assert f'href="/book?from=chooser-medical&amp;article={SECOND}"' in html
    assert widget_pages(database_path) == [
        (f"/articles/{SECOND}", "chooser", "medical")
    ]
    # The fragment's address without htmx posts on to the article's chooser.
    moved = client.post(f"/widgets/chooser?article={SECOND}", data=given)
    assert moved.status_code == 307
    assert moved.headers["Location"] == f"/articles/{SECOND}#chooser-result"


# --- Views, booking clicks and calls -----------------------------------------------


def test_each_articles_views_count_to_its_address(client, database_path):
    visit(client, "/")
    visit(client, f"/articles/{SECOND}")
    visit(client, "/articles")
    assert events(database_path, "view") == [("/", ""), (f"/articles/{SECOND}", "")]


def test_booking_buttons_on_another_article_name_it(client):
    second = html_of(client.get(f"/articles/{SECOND}"))
    hrefs = set(re.findall(r'href="(/book\?[^"]*)"', second))
    assert hrefs, "the article has booking buttons"
    assert all(href.endswith(f"&amp;article={SECOND}") for href in hrefs)
    assert f'href="/book?from=header&amp;article={SECOND}"' in second
    # The home article's links stay as they were.
    home = html_of(client.get("/?utm_source=news"))
    assert 'href="/book?from=header&amp;utm_source=news"' in home
    assert "article=" not in home


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("", "/"),
        (f"&article={SECOND}", f"/articles/{SECOND}"),
        (f"&article={HOME}", "/"),
        ("&article=made-up-article", ""),
        (f"&article={DRAFT}", ""),
        ("&article=%3Cscript%3E", ""),
    ],
)
def test_a_booking_click_counts_to_the_article_its_link_names(
    client, database_path, query, page
):
    # Twice: Flask's answer, then the fast path's kept one.
    for _ in range(2):
        response = visit(client, f"/book?from=header{query}")
        assert response.status_code == 302
    assert events(database_path, "click") == [(page, "header")] * 2


def test_a_call_counts_to_the_article_its_beacon_names(tmp_path):
    folder = write_articles(tmp_path / "c")
    app = filled_practice_app(tmp_path / "p", CONTENT_DIR=str(folder))
    client = app.test_client()
    links = tel_links(html_of(client.get(f"/articles/{SECOND}")))
    assert sorted(url for _href, url in links) == [
        f"/call?from=footer&article={SECOND}",
        f"/call?from=practice&article={SECOND}",
    ]
    home = sorted(url for _href, url in tel_links(html_of(client.get("/"))))
    assert home == ["/call?from=footer", "/call?from=practice"]
    for query in (f"?from=footer&article={SECOND}", "?from=footer"):
        response = visit(
            client, "/call" + query, method="post", metadata=None, headers=BEACON
        )
        assert response.status_code == 204
    assert events(app.config["DATABASE"], "call") == [
        (f"/articles/{SECOND}", "footer"),
        ("/", "footer"),
    ]


# --- The fast path ----------------------------------------------------------------


def test_the_fast_path_keeps_a_published_article_and_counts_it_alike(
    app, client, database_path
):
    fast = fast_path_of(app)
    first = visit(client, f"/articles/{SECOND}")
    second = visit(client, f"/articles/{SECOND}")
    assert fast.wsgi_app.calls == 1, "the second plain request reached Flask"
    assert second.get_data() == first.get_data()
    assert events(database_path, "view") == [(f"/articles/{SECOND}", "")] * 2


def test_the_fast_path_never_keeps_a_draft(app, client, owner, database_path):
    fast = fast_path_of(app)
    for _ in range(2):
        assert visit(client, f"/articles/{DRAFT}").status_code == 404
        assert owner.get(f"/articles/{DRAFT}").status_code == 200
    assert fast.wsgi_app.calls == 4
    assert not any(DRAFT in key[0] for key in fast.kept)
    # Even a 200 for a draft's address is not kept (the owner's, were it plain).
    assert not fast._published("/", f"/articles/{DRAFT}")
    assert fast._published("/", f"/articles/{SECOND}")
