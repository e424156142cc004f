"""The owner's articles in the editor (issue 32): new, publish, unpublish, delete.

Each test drives the real pages through the test client on a real SQLite
file, as the owner would, and checks what the owner is told, what is saved
(the revisions) and what a reader then gets at the article's address.
"""

import html
import re
import shutil

import pytest

from webapp.site import revisions
from webapp.site.content import CONTENT_DIR

from .conftest import READER_HEADERS, csrf_token_from, log_in, make_app

TITLE = "Prenatal massage: what to expect"
SLUG = "prenatal-massage-what-to-expect"
# Words that name a file, a setting or a command: never on the owner's pages.
TECHNICAL = re.compile(r"\.md\b|\.yaml\b|articles/|front matter|flask |ARTICLE_FILE")


@pytest.fixture
def app(database_path):
    """The app in a British locale and zone, so dates read one known way."""
    return make_app(database_path, LOCALE="en_GB", TIME_ZONE="Europe/London")


@pytest.fixture
def owner(app, owner_password):
    """The signed-in owner's test client."""
    client = app.test_client()
    log_in(client)
    return client


def page_of(response):
    """A response's HTML."""
    return response.get_data(as_text=True)


def reader_status(app, path):
    """The status a reader (no login) gets at ``path``."""
    return app.test_client().get(path, headers=READER_HEADERS).status_code


def home_slug(owner):
    """The home article's slug, from where /edit/article leads."""
    location = owner.get("/edit/article").headers["Location"]
    return location.rsplit("/", 1)[1]


def post(owner, url, form_url, **data):
    """POST ``data`` to ``url`` with the token of the page at ``form_url``."""
    token = csrf_token_from(page_of(owner.get(form_url)))
    return owner.post(url, data={"csrf_token": token, **data})


def create(owner, title=TITLE, slug="", note=""):
    """Save a new article through the form; the response."""
    return post(
        owner,
        "/edit/new-article",
        "/edit/new-article",
        title=title,
        slug=slug,
        note=note,
    )


def revision_count(db):
    """How many revisions are saved."""
    return db["content_revisions"].count if db["content_revisions"].exists() else 0


def alert_of(html):
    """The text of the page's alert (the refusal), spaces folded."""
    match = re.search(r'role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no alert on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def card_of(hub, title):
    """The hub's card of the article called ``title``."""
    match = re.search(
        rf"<li[^>]*>\s*<h[34][^>]*>{re.escape(title)}</h[34]>.*?</li>", hub, re.S
    )
    assert match, f"no card for {title!r} on the hub"
    return match.group(0)


@pytest.mark.parametrize(
    "path",
    ["/edit/new-article", f"/edit/articles/{SLUG}", f"/edit/articles/{SLUG}/delete"],
)
def test_a_reader_is_sent_to_the_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_hub_lists_the_home_article_without_buttons_that_would_break_it(owner):
    slug = home_slug(owner)
    hub = page_of(owner.get("/edit"))
    assert ">Articles</h2>" in hub
    assert 'href="/edit/new-article"' in hub
    card = re.search(r'<h3 id="article-[^"]+">.*?</li>', hub, re.S).group(0)
    assert "Home page" in card
    assert f'href="/edit/articles/{slug}"' in card
    assert f'href="/edit/articles/{slug}/history"' in card
    assert 'href="/"' in card
    assert "Unpublish" not in card and "Delete" not in card
    assert not TECHNICAL.search(re.sub(r'href="[^"]*"', "", hub))


def test_the_one_articles_old_address_leads_to_the_home_articles_page(owner):
    response = owner.get("/edit/article")
    assert response.status_code in (302, 308)
    slug = home_slug(owner)
    assert response.headers["Location"].endswith(f"/edit/articles/{slug}")
    history = owner.get("/edit/article/history?x=1")
    assert history.headers["Location"].endswith(f"/edit/articles/{slug}/history?x=1")
    assert owner.get(f"/edit/articles/{slug}").status_code == 200


def test_a_new_article_is_a_draft_the_owner_sees_and_readers_do_not(app, owner, db):
    response = create(owner, note="first go")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/edit/articles/{SLUG}")
    page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    assert "Saved as a draft: only you can see it" in page
    assert "Draft: only you can see it" in page
    assert f">{TITLE}</h1>" in page
    assert "Publish" in page and f'href="/edit/articles/{SLUG}/delete"' in page
    assert [r["note"] for r in revisions.history(db, f"articles/{SLUG}.md")] == [
        "first go"
    ]

    card = card_of(page_of(owner.get("/edit")), TITLE)
    assert "Draft" in card and "View the draft" in card
    assert f'href="/articles/{SLUG}"' in card

    assert reader_status(app, f"/articles/{SLUG}") == 404
    assert owner.get(f"/articles/{SLUG}").status_code == 200


def test_publishing_puts_it_at_its_address_and_unpublishing_takes_it_back(app, owner):
    create(owner)
    assert reader_status(app, f"/articles/{SLUG}") == 404

    published = post(owner, f"/edit/articles/{SLUG}/publish", "/edit", back="hub")
    assert published.status_code == 303
    assert published.headers["Location"].endswith("/edit")
    hub = page_of(owner.get("/edit"))
    assert f"“{TITLE}” is published: readers find it at /articles/{SLUG}." in hub
    card = card_of(hub, TITLE)
    assert re.search(r"Published \d{1,2} [A-Z][a-z]+ \d{4}", card)
    assert "Unpublish" in card
    reader = app.test_client().get(f"/articles/{SLUG}", headers=READER_HEADERS)
    assert reader.status_code == 200
    assert TITLE in page_of(reader)

    unpublished = post(
        owner, f"/edit/articles/{SLUG}/unpublish", f"/edit/articles/{SLUG}"
    )
    assert unpublished.headers["Location"].endswith(f"/edit/articles/{SLUG}")
    page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    assert f"“{TITLE}” is a draft again: only you can see it." in page
    assert reader_status(app, f"/articles/{SLUG}") == 404


def test_a_deleted_article_is_gone_and_comes_back_from_its_history(app, owner, db):
    create(owner)
    post(owner, f"/edit/articles/{SLUG}/publish", f"/edit/articles/{SLUG}")
    ask = page_of(owner.get(f"/edit/articles/{SLUG}/delete"))
    assert f"Delete “{TITLE}”?" in ask
    assert f'action="/edit/articles/{SLUG}/delete"' in ask

    deleted = post(
        owner, f"/edit/articles/{SLUG}/delete", f"/edit/articles/{SLUG}/delete"
    )
    assert deleted.status_code == 303
    assert deleted.headers["Location"].endswith("/edit")
    assert reader_status(app, f"/articles/{SLUG}") == 404
    assert owner.get(f"/edit/articles/{SLUG}").status_code == 404
    hub = page_of(owner.get("/edit"))
    assert f"“{TITLE}” is deleted" in hub
    gone = hub.split("Deleted articles", 1)[1]
    assert f">{TITLE}</h4>" in gone
    restore = re.search(rf'action="(/edit/articles/{SLUG}/restore/\d+)"', gone)[1]

    history = page_of(owner.get(f"/edit/articles/{SLUG}/history"))
    assert "(the article deleted: not on the site now)" in history

    restored = post(owner, restore, "/edit")
    assert restored.status_code == 303
    assert reader_status(app, f"/articles/{SLUG}") == 200
    hub = page_of(owner.get("/edit"))
    assert "Deleted articles" not in hub
    assert "Published" in card_of(hub, TITLE)


@pytest.mark.parametrize("change", ["unpublish", "delete"])
def test_the_home_article_cannot_be_unpublished_or_deleted(app, owner, db, change):
    slug = home_slug(owner)
    before = revision_count(db)
    response = post(owner, f"/edit/articles/{slug}/{change}", f"/edit/articles/{slug}")
    assert response.status_code == 422
    html = page_of(response)
    reason = alert_of(html)
    assert reason
    assert not TECHNICAL.search(reason)
    assert revision_count(db) == before
    assert reader_status(app, "/") == 200
    assert owner.get(f"/edit/articles/{slug}/delete").status_code == 404


@pytest.mark.parametrize(
    ("title", "slug", "field", "words"),
    [
        ("", "", "title", "Give the article a title."),
        (TITLE, "Prenatal massage!", "slug", "Lowercase letters, digits and hyphens"),
        (TITLE, "a" * 61, "slug", "at most 60 characters"),
        (TITLE, "-prenatal", "slug", "Lowercase letters, digits and hyphens"),
    ],
)
def test_a_new_article_with_a_bad_title_or_address_is_refused(
    owner, db, title, slug, field, words
):
    response = create(owner, title=title, slug=slug)
    assert response.status_code == 422
    html = page_of(response)
    assert words in alert_of(html)
    assert f'id="new-{field}"' in html
    assert re.search(rf'id="new-{field}"[^>]*aria-invalid="true"', html)
    assert f'value="{slug.lower()}"' in html  # what was typed stays
    assert revision_count(db) == 0


def test_a_taken_address_is_refused_and_a_deleted_ones_points_to_restoring(owner, db):
    response = create(owner, slug=home_slug(owner))
    assert response.status_code == 422
    assert "Another article has this address" in alert_of(page_of(response))
    create(owner)
    post(owner, f"/edit/articles/{SLUG}/delete", f"/edit/articles/{SLUG}/delete")
    before = revision_count(db)
    again = create(owner, title="Another title", slug=SLUG)
    assert again.status_code == 422
    assert "restore it from Deleted articles" in alert_of(page_of(again))
    assert revision_count(db) == before


def test_the_address_follows_the_title_until_the_owner_writes_their_own(owner):
    token = csrf_token_from(page_of(owner.get("/edit/new-article")))
    headers = {"HX-Request": "true"}

    def address(**form):
        html = page_of(
            owner.post(
                "/edit/new-article/address",
                data={"csrf_token": token, **form},
                headers=headers,
            )
        )
        return re.search(r'id="new-slug"[^>]*value="([^"]*)"', html)[1]

    title = "Massage après une blessure, à l’épaule"
    assert address(title=title, slug="", suggested="") == (
        "massage-apres-une-blessure-a-l-epaule"
    )
    assert address(
        title=title + " droite", slug="massage-apres", suggested="massage-apres"
    ) == ("massage-apres-une-blessure-a-l-epaule-droite")
    assert (
        address(title=title, slug="shoulder", suggested="massage-apres") == "shoulder"
    )
    long_title = "word " * 30
    assert len(address(title=long_title, slug="", suggested="")) <= 60


def test_an_empty_address_is_made_from_the_title(owner):
    response = create(owner, title="Gift ideas: a massage voucher", slug="")
    assert response.headers["Location"].endswith(
        "/edit/articles/gift-ideas-a-massage-voucher"
    )


def test_a_post_without_its_token_changes_nothing(app, owner, db):
    create(owner)
    post(owner, f"/edit/articles/{SLUG}/publish", "/edit")
    before = revision_count(db)
    for url, data in [
        ("/edit/new-article", {"title": "No token"}),
        (f"/edit/articles/{SLUG}/unpublish", {}),
        (f"/edit/articles/{SLUG}/delete", {}),
    ]:
        assert owner.post(url, data=data).status_code == 400
    assert revision_count(db) == before
    assert reader_status(app, f"/articles/{SLUG}") == 200


def test_a_readers_post_changes_nothing(app, owner, db):
    create(owner)
    before = revision_count(db)
    reader = app.test_client()
    for change in ("publish", "delete"):
        response = reader.post(f"/edit/articles/{SLUG}/{change}")
        assert response.status_code in (302, 400)
    assert revision_count(db) == before


def test_an_articles_text_is_saved_and_previewed_on_its_own_page(app, owner, db):
    create(owner)
    page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    text = html.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)[1])
    assert "published: false" in text
    written = text + "\n---\n\n## Who it is for\n\nFrom the second trimester on.\n"
    token = csrf_token_from(page)
    preview = owner.post(
        f"/edit/articles/{SLUG}/preview",
        data={"csrf_token": token, "text": written},
        headers={"HX-Request": "true"},
    )
    assert "From the second trimester on." in page_of(preview)
    assert revision_count(db) == 1
    saved = owner.post(
        f"/edit/articles/{SLUG}", data={"csrf_token": token, "text": written}
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/edit/articles/{SLUG}")
    assert "From the second trimester on." in page_of(owner.get(f"/articles/{SLUG}"))


def test_a_broken_articles_text_is_refused_in_plain_words(owner, db):
    create(owner)
    page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    token = csrf_token_from(page)
    response = owner.post(
        f"/edit/articles/{SLUG}",
        data={"csrf_token": token, "text": "---\ntitle: Only a title\n---\n\nText.\n"},
    )
    assert response.status_code == 422
    reason = alert_of(page_of(response))
    assert reason.startswith("Not saved: ")
    assert not re.search(r"\.md\b|articles/", reason)
    assert revision_count(db) == 1


def test_an_article_that_is_not_there_is_a_404(owner):
    for path in (
        "/edit/articles/no-such-article",
        "/edit/articles/no-such-article/history",
        "/edit/articles/no-such-article/delete",
        "/edit/articles/Not-A-Slug/history",
    ):
        assert owner.get(path).status_code == 404


def test_another_worker_opens_a_new_article_at_once(
    app, owner, database_path, monkeypatch
):
    # Two workers on one database: the article saved by one is opened by the
    # other at the owner's very next request, not a 404 until its next look.
    monkeypatch.setattr(revisions, "LOOK_EVERY", 60)
    other = make_app(database_path, LOCALE="en_GB", TIME_ZONE="Europe/London")
    other_owner = other.test_client()
    log_in(other_owner)
    assert other_owner.get("/edit").status_code == 200  # its content loaded
    create(owner)
    assert other_owner.get(f"/edit/articles/{SLUG}").status_code == 200


def test_a_second_home_is_refused_naming_the_articles_by_their_titles(owner, db):
    create(owner)
    page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    text = html.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)[1])
    home = text.replace("published: false", "published: 2026-01-05\nhome: true")
    response = owner.post(
        f"/edit/articles/{SLUG}",
        data={"csrf_token": csrf_token_from(page), "text": home},
    )
    assert response.status_code == 422
    reason = html.unescape(alert_of(page_of(response)))
    assert "“What Comes to Mind" in reason and "this article" in reason
    assert "home: true" in reason  # the key the owner typed
    assert not re.search(r"\.md\b|articles/", reason)
    assert revision_count(db) == 1


def test_an_article_whose_save_no_longer_fits_is_named_with_its_versions(
    app, owner, db
):
    create(owner)
    # As if an older version of the site had saved a key this one dropped.
    good = revisions.newest_texts(db)[f"articles/{SLUG}.md"][1]
    stale = good.replace("published: false", "published: false\nreleased: soon")
    revisions._insert(db, f"articles/{SLUG}.md", stale, "")
    db.conn.commit()
    hub = page_of(owner.get("/edit"))
    alert = alert_of(hub)
    assert f"The article “{TITLE}”: your last saved version no longer fits" in alert
    assert f'href="/edit/articles/{SLUG}/history"' in hub
    history = page_of(owner.get(f"/edit/articles/{SLUG}/history"))
    assert "so readers do not see it: restore a version that fits" in history
    assert f'href="/edit/articles/{SLUG}"' not in history  # nothing to edit yet
    restore = re.search(rf'action="(/edit/articles/{SLUG}/restore/\d+)"', history)[1]
    assert post(owner, restore, "/edit").status_code == 303
    assert "no longer fits" not in page_of(owner.get("/edit"))
    assert owner.get(f"/edit/articles/{SLUG}").status_code == 200


def test_an_article_only_in_the_folder_is_deleted_and_restored(
    tmp_path, database_path, owner_password
):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    (folder / "articles" / "gift-ideas.md").write_text(
        "---\ntitle: Gift ideas\npublished: 2025-05-01\n"
        "description: Gifts for a friend.\nhealth_note: Ask your provider.\n---\n"
        "The opening words.\n\n---\n## A voucher\n\nA voucher for a session.\n",
        encoding="utf-8",
    )
    app = make_app(
        database_path,
        CONTENT_DIR=str(folder),
        LOCALE="en_GB",
        TIME_ZONE="Europe/London",
    )
    owner = app.test_client()
    log_in(owner)
    assert reader_status(app, "/articles/gift-ideas") == 200
    deleted = post(
        owner, "/edit/articles/gift-ideas/delete", "/edit/articles/gift-ideas/delete"
    )
    assert deleted.status_code == 303
    assert reader_status(app, "/articles/gift-ideas") == 404
    gone = page_of(owner.get("/edit")).split("Deleted articles", 1)[1]
    assert ">Gift ideas</h4>" in gone
    history = page_of(owner.get("/edit/articles/gift-ideas/history"))
    assert "as it was before deleting" in history
    restore = re.search(r'action="(/edit/articles/gift-ideas/restore/\d+)"', gone)[1]
    assert post(owner, restore, "/edit").status_code == 303
    assert reader_status(app, "/articles/gift-ideas") == 200
    assert "A voucher for a session." in page_of(
        app.test_client().get("/articles/gift-ideas", headers=READER_HEADERS)
    )


def test_taking_home_off_the_home_article_is_refused_in_the_owners_words(owner, db):
    slug = home_slug(owner)
    page = page_of(owner.get(f"/edit/articles/{slug}"))
    text = html.unescape(re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)[1])
    assert "home: true\n" in text
    response = owner.post(
        f"/edit/articles/{slug}",
        data={
            "csrf_token": csrf_token_from(page),
            "text": text.replace("home: true\n", ""),
        },
    )
    assert response.status_code == 422
    reason = html.unescape(alert_of(page_of(response)))
    assert "This article is the home page: keep 'home: true'" in reason
    assert "make another article the home page" in reason
    assert not TECHNICAL.search(reason) and "content" not in reason
    assert revision_count(db) == 0


def test_the_owner_makes_another_article_the_home_page(app, owner, db):
    old_home = home_slug(owner)
    create(owner)
    draft_page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    assert "Make this the home page" not in draft_page  # a draft cannot be
    post(owner, f"/edit/articles/{SLUG}/publish", f"/edit/articles/{SLUG}")
    page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    assert f'action="/edit/articles/{SLUG}/make-home"' in page
    before = revision_count(db)
    made = post(owner, f"/edit/articles/{SLUG}/make-home", f"/edit/articles/{SLUG}")
    assert made.status_code == 303
    assert "is the home page now" in page_of(owner.get(made.headers["Location"]))
    assert revision_count(db) == before + 2
    reader = app.test_client()
    assert TITLE in html.unescape(page_of(reader.get("/", headers=READER_HEADERS)))
    old_page = page_of(reader.get(f"/articles/{old_home}", headers=READER_HEADERS))
    for widget in ('id="compare"', 'id="techniques"', 'id="chooser"'):
        assert widget in old_page  # its widgets stay with it
    assert 'id="chooser"' not in page_of(reader.get("/", headers=READER_HEADERS))
    assert home_slug(owner) == SLUG
    home_page = page_of(owner.get(f"/edit/articles/{SLUG}"))
    assert "Make this the home page" not in home_page


def test_a_draft_cannot_be_made_the_home_page(app, owner, db):
    create(owner)
    before = revision_count(db)
    refused = post(owner, f"/edit/articles/{SLUG}/make-home", f"/edit/articles/{SLUG}")
    assert refused.status_code == 422
    reason = alert_of(page_of(refused))
    assert "publish it first" in reason and not TECHNICAL.search(reason)
    assert revision_count(db) == before
