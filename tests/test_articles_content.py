"""Several articles: read from the folder's articles/, checked, saved and deleted.

Each file of ``articles/`` is an article (its name its address), one of them
``home: true``; ``published: false`` is a draft; the owner's saved words can
add an article, change one, or delete it (an empty revision) and bring it
back.
"""

import datetime
import shutil

import pytest

from webapp.core.checks import ConfigError
from webapp.core.db import connect
from webapp.site import article_changes, revisions
from webapp.site.articles import (
    all_articles,
    find_article,
    home_article,
    page_of_link,
    published_articles,
)
from webapp.site.content import CONTENT_DIR, ContentError

from .conftest import make_app

HOME = "medical-or-therapeutic-massage"


def article_text(title, published="2025-05-01", extra=""):
    """An article's file: its front matter, an opening and one section."""
    return (
        f"---\ntitle: {title}\npublished: {published}\n"
        f"description: What {title.lower()} is.\n"
        f"health_note: Ask your provider first.\n{extra}---\n"
        "The opening words.\n\n---\n## Is it safe?\n\nYes, with care.\n"
    )


def folder_with(tmp_path, **articles):
    """A copy of the shipped content with ``articles`` ({slug: text}) added."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    for slug, text in articles.items():
        (folder / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    return folder


def app_on(database_path, folder):
    """The app reading ``folder``."""
    return make_app(database_path, CONTENT_DIR=str(folder))


def slugs(app):
    """The articles' slugs in all_articles() order."""
    with app.app_context():
        return [article.slug for article in all_articles()]


def start_error(database_path, folder):
    """The one line start-up refuses ``folder`` with."""
    with pytest.raises(ConfigError) as refused:
        app_on(database_path, folder)
    return str(refused.value)


def test_two_articles_and_a_draft_from_the_folder(tmp_path, database_path):
    folder = folder_with(
        tmp_path,
        **{
            "prenatal-massage": article_text(
                "Prenatal massage",
                extra="widgets:\n  - widget: chooser\n    after: is-it-safe\n",
            ),
            "gift-ideas": article_text("Gift ideas", published="2025-06-01"),
            "first-visit": article_text("Your first visit", published="false"),
        },
    )
    app = app_on(database_path, folder)
    # Home first, then published newest first, then the drafts.
    assert slugs(app) == [HOME, "gift-ideas", "prenatal-massage", "first-visit"]
    with app.app_context():
        assert home_article().path == "/"
        assert [a.slug for a in published_articles()] == slugs(app)[:3]
        prenatal = find_article("prenatal-massage")
        assert prenatal.path == "/articles/prenatal-massage"
        assert prenatal.published == datetime.date(2025, 5, 1)
        assert find_article("first-visit") is None  # a reader's lookup
        draft = find_article("first-visit", drafts=True)
        assert draft.draft and draft.published is None
        assert page_of_link("first-visit") == ""  # never counted to a draft
        assert page_of_link("gift-ideas") == "/articles/gift-ideas"
        # Its own widgets after its own section; none for an article without.
        widgets = app.extensions["content"]["widgets"]
        assert widgets.after("is-it-safe", prenatal) == ["partials/_chooser.html"]
        gifts = find_article("gift-ideas")
        assert widgets.after("is-it-safe", gifts) == []
        # The home article keeps widgets.yaml's places.
        home = home_article()
        after = "key-differences-between-medical-and-therapeutic-massage"
        assert widgets.after(after, home) == widgets.after(after)
        assert "partials/_compare.html" in widgets.after(after, home)


def test_a_broken_article_is_refused_naming_its_file_and_key(tmp_path, database_path):
    broken = article_text("Prenatal massage", published="May 1st")
    folder = folder_with(tmp_path, **{"prenatal-massage": broken})
    said = start_error(database_path, folder)
    assert "articles/prenatal-massage.md: front matter key 'published'" in said
    assert "or false for a draft" in said


def test_a_widget_after_a_section_the_article_lacks_is_refused(tmp_path, database_path):
    text = article_text(
        "Prenatal massage", extra="widgets:\n  - widget: chooser\n    after: nope\n"
    )
    said = start_error(database_path, folder_with(tmp_path, prenatal=text))
    assert "articles/prenatal.md: front matter key 'widgets[0].after'" in said
    assert "no section 'nope' (it has: part-1, is-it-safe)" in said


def test_an_address_that_is_no_slug_is_refused(tmp_path, database_path):
    folder = folder_with(tmp_path, **{"Prenatal Massage": article_text("Prenatal")})
    said = start_error(database_path, folder)
    assert "articles/Prenatal Massage.md: an article's file name" in said


def test_home_in_quotes_is_refused_in_plain_words(tmp_path, database_path):
    quoted = article_text("Prenatal massage", extra='home: "true"\n')
    said = start_error(database_path, folder_with(tmp_path, prenatal=quoted))
    assert "articles/prenatal.md: front matter key 'home' must be true or false" in said


def test_two_homes_are_refused_naming_both(tmp_path, database_path):
    second = article_text("Prenatal massage", extra="home: true\n")
    said = start_error(database_path, folder_with(tmp_path, prenatal=second))
    assert f"articles/{HOME}.md and " in said
    assert "articles/prenatal.md: both say 'home: true'" in said


def test_no_home_is_refused_naming_the_folder(tmp_path, database_path):
    folder = folder_with(tmp_path)
    home = folder / "articles" / f"{HOME}.md"
    home.write_text(home.read_text().replace("home: true\n", ""))
    said = start_error(database_path, folder)
    assert f"{folder / 'articles'}: no article has 'home: true'" in said


def test_a_draft_cannot_be_home(tmp_path, database_path):
    folder = folder_with(tmp_path)
    home = folder / "articles" / f"{HOME}.md"
    home.write_text(
        home.read_text().replace("published: 2025-03-18", "published: false")
    )
    said = start_error(database_path, folder)
    assert f"{HOME}.md: front matter key 'published': the home article must be" in said


def test_a_legacy_folder_reads_its_article_md_as_home(tmp_path, database_path):
    folder = folder_with(tmp_path)
    shipped = (folder / "articles" / f"{HOME}.md").read_text()
    shutil.rmtree(folder / "articles")
    legacy = shipped.replace("home: true\n", "").replace(
        "title: What Comes", "title: Legacy What Comes"
    )
    (folder / "article.md").write_text(legacy)
    app = app_on(database_path, folder)
    with app.app_context():
        [home] = all_articles()
        assert (home.slug, home.home, home.file) == ("article", True, "article.md")
        assert home.title.startswith("Legacy")
        assert home.placements  # widgets.yaml's places, as before
    # Its saved words are still "article.md", as before the upgrade.
    with app.app_context():
        db = connect(str(database_path))
        revisions.save(db, "article.md", legacy.replace("Legacy", "Saved"))
        with pytest.raises(ContentError, match="not one of the site's files"):
            revisions.check_name("article.md.bak")
        db.conn.close()
    assert "Saved What Comes" in app.test_client().get("/").get_data(as_text=True)


def saving_app(tmp_path, database_path):
    """The app on a copy of the shipped content, and its database."""
    app = app_on(database_path, folder_with(tmp_path))
    return app, connect(str(database_path))


def test_a_saved_only_article_then_deleted_then_restored(tmp_path, database_path):
    app, db = saving_app(tmp_path, database_path)
    client = app.test_client()
    with app.app_context():
        first = article_changes.new_article(db, "prenatal-massage", "Prenatal: a guide")
        assert article_changes.publish(db, "prenatal-massage") is not None
    # Every worker reloads on its next look; this one at its next request.
    client.get("/")
    with app.app_context():
        prenatal = find_article("prenatal-massage")
        assert prenatal.title == "Prenatal: a guide"
        assert prenatal.file == "articles/prenatal-massage.md"
        assert not (tmp_path / "content" / "articles" / "prenatal-massage.md").exists()
        deleted = article_changes.delete(db, "prenatal-massage")
    client.get("/")
    with app.app_context():
        assert find_article("prenatal-massage", drafts=True) is None
        # flask check names no saved words for it.
        assert app.extensions["site.saved_files_shown"] == []
        # Its history keeps every step; the deleted one is empty.
        rows = revisions.history(db, "articles/prenatal-massage.md")
        assert [row["id"] for row in rows] == [deleted, deleted - 1, first]
        exported = revisions.current_texts(app, db)
        assert "articles/prenatal-massage.md" not in exported
        revisions.revert(db, "articles/prenatal-massage.md", deleted - 1)
    client.get("/")
    with app.app_context():
        assert find_article("prenatal-massage").title == "Prenatal: a guide"
    db.conn.close()


def test_the_home_article_cannot_be_deleted_or_unpublished(tmp_path, database_path):
    app, db = saving_app(tmp_path, database_path)
    with app.app_context():
        with pytest.raises(ContentError, match="home page's article: it cannot be"):
            article_changes.delete(db, HOME)
        with pytest.raises(ContentError, match="cannot become a draft"):
            article_changes.unpublish(db, HOME)
        # Not through a plain save either: the check is the site's own.
        with pytest.raises(ContentError, match="no article has 'home: true'"):
            revisions.save(db, f"articles/{HOME}.md", "")
        assert revisions.history(db) == []
    db.conn.close()


def test_a_new_article_is_refused_a_bad_or_taken_address(tmp_path, database_path):
    app, db = saving_app(tmp_path, database_path)
    with app.app_context():
        with pytest.raises(ContentError, match="lowercase letters, digits"):
            article_changes.new_article(db, "Prenatal Massage", "Prenatal")
        with pytest.raises(ContentError, match="already an article called"):
            article_changes.new_article(db, HOME, "Again")
        with pytest.raises(ContentError, match="no article called 'nope'"):
            article_changes.publish(db, "nope")
        assert revisions.history(db) == []
    db.conn.close()


def test_a_draft_is_published_dated_today_and_keeps_its_date(tmp_path, database_path):
    app, db = saving_app(tmp_path, database_path)
    with app.app_context():
        article_changes.new_article(db, "gift-ideas", "Gift ideas: 'a' & \"b\"")
        assert article_changes.unpublish(db, "gift-ideas") is None  # a draft already
        article_changes.publish(db, "gift-ideas")
        [gifts] = [a for a in article_changes.current_articles(db) if not a.home]
        assert gifts.title == "Gift ideas: 'a' & \"b\""
        assert gifts.published is not None and not gifts.draft
        assert article_changes.publish(db, "gift-ideas") is None
        article_changes.unpublish(db, "gift-ideas")
        [gifts] = [a for a in article_changes.current_articles(db) if not a.home]
        assert gifts.draft
    db.conn.close()


def test_an_empty_articles_folder_is_refused_naming_it(tmp_path, database_path):
    folder = folder_with(tmp_path)
    (folder / "articles" / f"{HOME}.md").unlink()
    said = start_error(database_path, folder)
    assert f"{folder / 'articles'}: no article has 'home: true'" in said


def test_a_saved_only_article_that_no_longer_fits_is_left_out(tmp_path, database_path):
    # As an older version saved it: a key this version no longer knows.
    db = connect(str(database_path))
    db["content_revisions"].insert(
        {
            "file": "articles/old-words.md",
            "text": article_text("Old words", extra="byline: Ana\n"),
            "saved_at": "2025-01-01T00:00:00+00:00",
            "note": "",
        }
    )
    db.conn.close()
    app = app_on(database_path, folder_with(tmp_path))
    assert slugs(app) == [HOME]  # the site starts, without it
    [warning] = app.extensions["site.skipped_revisions"].values()
    assert warning.startswith("articles/old-words.md: saved revision 1 no longer")
    assert "unknown front matter key 'byline'" in warning
    assert warning.endswith("; the article is not shown")
