"""``flask articles list|new|publish|unpublish``: the articles from a terminal."""

import re

from webapp.core.db import connect
from webapp.site import article_changes

from .conftest import READER_HEADERS, make_app

HOME = "medical-or-therapeutic-massage"
HOME_TITLE = "What Comes to Mind When You Hear “Massage”?"


def revisions_in(database_path):
    """``(file, note)`` of every saved revision, oldest first."""
    db = connect(str(database_path))
    try:
        if not db["content_revisions"].exists():
            return []
        return [
            (row["file"], row["note"])
            for row in db["content_revisions"].rows_where(order_by="id")
        ]
    finally:
        db.conn.close()


def invoke(app, *args):
    """``flask articles ARGS`` on ``app``'s database."""
    return app.test_cli_runner().invoke(args=["articles", *args])


def test_new_publish_unpublish_and_list(database_path):
    app = make_app(database_path, SITE_URL="https://massage.example", LOCALE="en_US")
    listed = invoke(app, "list")
    assert listed.exit_code == 0, listed.output
    assert listed.output == (
        f"{HOME}  {HOME_TITLE}  (March 18, 2025)  home  https://massage.example/\n"
    )

    made = invoke(app, "new", "gift-ideas", "--title", "Gift ideas for a friend")
    assert made.exit_code == 0, made.output
    assert made.output.startswith("Started the draft gift-ideas (revision 1)")
    listed = invoke(app, "list").output.splitlines()
    assert listed[1] == (
        "gift-ideas                      Gift ideas for a friend  (draft)  "
        "https://massage.example/articles/gift-ideas"
    )
    client = app.test_client()
    address = "/articles/gift-ideas"
    assert client.get(address, headers=READER_HEADERS).status_code == 404

    published = invoke(app, "publish", "gift-ideas")
    assert published.exit_code == 0, published.output
    assert published.output.startswith("Published gift-ideas (revision 2).")
    [line] = [row for row in invoke(app, "list").output.splitlines() if "gift" in row]
    assert re.search(r"\((\w+ \d+, \d{4})\)  https://massage\.example/articles/", line)
    assert "draft" not in line
    assert invoke(app, "publish", "gift-ideas").output == (
        "gift-ideas is published already.\n"
    )

    unpublished = invoke(app, "unpublish", "gift-ideas")
    assert unpublished.exit_code == 0, unpublished.output
    assert "gift-ideas is a draft again (revision 3)" in unpublished.output
    assert "(draft)" in invoke(app, "list").output
    assert revisions_in(database_path) == [
        ("articles/gift-ideas.md", "new article (a draft)"),
        ("articles/gift-ideas.md", "published"),
        ("articles/gift-ideas.md", "made a draft again"),
    ]


def test_refusals_are_one_line_and_exit_1(database_path):
    app = make_app(database_path)
    refusals = {
        ("new", "Gift Ideas", "--title", "Gifts"): "cannot be an article's address",
        ("new", HOME, "--title", "Again"): f"already an article called '{HOME}'",
        ("new", "x" * 61, "--title", "Long"): "at most 60 characters",
        ("publish", "nope"): "there is no article called 'nope'",
        ("unpublish", "nope"): "there is no article called 'nope'",
        ("unpublish", HOME): "the home page's article: it cannot become a draft",
    }
    for args, words in refusals.items():
        result = invoke(app, *args)
        assert result.exit_code == 1, args
        assert words in result.output, (args, result.output)
        assert result.output.startswith("Error: ")
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert revisions_in(database_path) == []


def test_a_deleted_articles_address_is_refused_with_the_way_back(database_path):
    app = make_app(database_path)
    assert invoke(app, "new", "gift-ideas", "--title", "Gift ideas").exit_code == 0
    with app.app_context():
        db = connect(str(database_path))
        article_changes.delete(db, "gift-ideas")
        db.conn.close()
    before = revisions_in(database_path)
    again = invoke(app, "new", "gift-ideas", "--title", "Other gifts")
    assert again.exit_code == 1
    assert "a deleted article had the address 'gift-ideas'" in again.output
    assert "flask content revert" in again.output
    assert revisions_in(database_path) == before


def test_home_makes_another_article_the_home_page(database_path):
    app = make_app(database_path, SITE_URL="https://massage.example")
    invoke(app, "new", "gift-ideas", "--title", "Gift ideas")
    refused = invoke(app, "home", "gift-ideas")
    assert refused.exit_code == 1
    assert "publish it first" in refused.output
    invoke(app, "publish", "gift-ideas")
    made = invoke(app, "home", "gift-ideas")
    assert made.exit_code == 0, made.output
    assert made.output.startswith("gift-ideas is the home page now")
    listed = invoke(app, "list").output.splitlines()
    assert listed[0].startswith("gift-ideas ")
    assert listed[0].endswith("home  https://massage.example/")
    assert any(
        line.startswith(HOME) and "home" not in line.split()[-2:] for line in listed
    )
    reader = app.test_client()
    assert "Gift ideas" in reader.get("/", headers=READER_HEADERS).get_data(
        as_text=True
    )
    assert reader.get(f"/articles/{HOME}", headers=READER_HEADERS).status_code == 200
    assert invoke(app, "home", "gift-ideas").output == (
        "gift-ideas is the home page already.\n"
    )
