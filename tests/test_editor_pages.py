"""Edit the site: the hub, a file's earlier versions, two compared, one restored."""

import re

import pytest

from webapp.core.db import connect
from webapp.site import revisions

from .conftest import READER_HEADERS, csrf_token_from, log_in, make_app
from .servers import PROJECT_ROOT, wait_until

HOME_SLUG = "medical-or-therapeutic-massage"
HOME_FILE = f"articles/{HOME_SLUG}.md"  # the home article's name in the revisions
HOME_EDIT = f"/edit/articles/{HOME_SLUG}"
SHIPPED_ARTICLE = (PROJECT_ROOT / "content" / HOME_FILE).read_text()
OLD_TITLE = re.search(r"^title: (.+)$", SHIPPED_ARTICLE, re.M)[1]
FIRST_TITLE, SECOND_TITLE = "Massage, plainly told", "Massage, <b>kindly</b> told"
# Stored times are UTC: 15:30 UTC is 15:30 in London in March (before summer time).
SAVED_AT = "2026-03-18T15:30:00+00:00"
FILE_WORDS = (".md", "widgets.yaml", "practice.yaml", "yaml")


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


def article_with(title):
    """The shipped article with another title."""
    return SHIPPED_ARTICLE.replace(OLD_TITLE, title)


def save(app, file, text, note, saved_at=SAVED_AT):
    """Save ``text`` as ``file`` (checked, as the editor saves); its id."""
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            revision_id = revisions.save(db, file, text, note)
            db.execute(
                "UPDATE content_revisions SET saved_at = ? WHERE id = ?",
                [saved_at, revision_id],
            )
            db.conn.commit()
            return revision_id
        finally:
            db.conn.close()


def store_unchecked(app, file, text, note):
    """A revision stored as an older version of the site saved it (no check)."""
    db = connect(app.config["DATABASE"])
    try:
        return revisions._insert(db, file, text, note)
    finally:
        db.conn.close()


def revision_count(app):
    """How many revisions are stored."""
    db = connect(app.config["DATABASE"])
    try:
        return db["content_revisions"].count
    finally:
        db.conn.close()


def text_of(response):
    """A response's HTML."""
    return response.get_data(as_text=True)


def reader_page(app):
    """The article as a reader gets it."""
    with app.test_client().get("/", headers=READER_HEADERS) as response:
        return text_of(response)


def reader_sees(app, words, seconds=2):
    """Whether the article shows ``words`` within ``seconds`` (a save shows in 1)."""
    return wait_until(lambda: words in reader_page(app), seconds=seconds, every=0.05)


@pytest.mark.parametrize(
    "path",
    ["/edit", f"{HOME_EDIT}/history", f"{HOME_EDIT}/diff?from=1&to=2"],
)
def test_a_reader_is_sent_to_the_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


def test_a_readers_restore_is_refused(app):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    save(app, HOME_FILE, article_with(SECOND_TITLE), "")
    # A reader has no form token of the owner's: refused before anything.
    response = app.test_client().post(f"{HOME_EDIT}/restore/{first}")
    assert response.status_code == 400
    assert revision_count(app) == 2


def test_the_hub_names_each_kind_of_words_plainly_and_when_it_was_saved(app, owner):
    html = text_of(owner.get("/edit"))
    for title in ("Your details", "Articles", "Widget words", "Privacy page"):
        assert f">{title}</h2>" in html
    assert f">{OLD_TITLE}</h3>" in html
    assert html.count("Not changed yet") == 4
    assert not [word for word in FILE_WORDS if word in html]

    save(app, HOME_FILE, article_with(FIRST_TITLE), "New title for spring")
    response = owner.get("/edit")
    assert response.headers["Cache-Control"] == "no-store"
    html = text_of(response)
    assert "Last saved 18 March 2026 at 15:30: “New title for spring”" in html
    assert html.count("Not changed yet") == 3
    assert f'href="{HOME_EDIT}"' in html
    assert f'href="{HOME_EDIT}/history"' in html


def test_history_lists_versions_newest_first_with_date_and_note(app, owner):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "First try")
    second = save(
        app,
        HOME_FILE,
        article_with(SECOND_TITLE),
        "Second try",
        saved_at="2026-07-02T08:05:00+00:00",  # 09:05 in London's summer time
    )
    save(app, "privacy.md", (PROJECT_ROOT / "content" / "privacy.md").read_text(), "")
    html = text_of(owner.get(f"{HOME_EDIT}/history"))
    versions = re.findall(r"<h2 id=\"version-(\d+)\">", html)
    assert versions == [str(second), str(first)]  # the privacy page's not here
    assert "Saved 2 July 2026 at 09:05" in html
    assert "Saved 18 March 2026 at 15:30" in html
    assert "Note: Second try" in html and "Note: First try" in html
    assert "(shown on the site now)" in html
    # Only the earlier one can be restored; the newest is already shown.
    assert f'action="{HOME_EDIT}/restore/{first}"' in html
    assert f'action="{HOME_EDIT}/restore/{second}"' not in html


def test_nothing_saved_yet_says_so(owner):
    html = text_of(owner.get("/edit/widgets/history"))
    assert "Nothing saved yet" in html
    assert "Compare the two versions" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/edit/article.md/history",
        "/edit/settings/history",
        f"{HOME_EDIT}/diff?from=1&to=99",
        f"{HOME_EDIT}/diff?from=1",
        f"{HOME_EDIT}/diff?from=one&to=1",
        f"{HOME_EDIT}.md/history",
        "/edit/articles/no-such-article/history",
        "/edit/privacy/diff?from=1&to=1",  # revision 1 is the article's
        "/edit/nothing/diff?from=1&to=1",
    ],
)
def test_unknown_files_and_revisions_are_not_found(app, owner, path):
    save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    assert owner.get(path).status_code == 404


def test_the_comparison_marks_removed_and_added_lines_in_words(app, owner):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    second = save(app, HOME_FILE, article_with(SECOND_TITLE), "")
    # Either order reads from the older to the newer.
    response = owner.get(f"{HOME_EDIT}/diff?from={second}&to={first}")
    assert response.status_code == 200
    html = text_of(response)
    assert "1 line added, 1 line removed" in html
    removed = re.findall(r"<del>(.*?)</del>", html, re.S)
    added = re.findall(r"<ins>(.*?)</ins>", html, re.S)
    assert len(removed) == len(added) == 1
    assert "Removed" in removed[0] and f"title: {FIRST_TITLE}" in removed[0]
    # What the owner typed is shown as text, never as markup.
    assert "Added" in added[0]
    assert "title: Massage, &lt;b&gt;kindly&lt;/b&gt; told" in added[0]
    # A few unchanged lines around the change, not the whole article.
    assert "published: 2025-03-18" in html
    assert SHIPPED_ARTICLE.splitlines()[-1] not in html


def test_comparing_a_version_with_itself_says_nothing_changed(app, owner):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    html = text_of(owner.get(f"{HOME_EDIT}/diff?from={first}&to={first}"))
    assert "These two versions have the same words." in html
    assert "<del>" not in html and "<ins>" not in html


def test_restoring_saves_the_old_version_again_and_the_site_shows_it(app, owner):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    save(app, HOME_FILE, article_with(SECOND_TITLE), "")
    assert reader_sees(app, "kindly")
    token = csrf_token_from(text_of(owner.get(f"{HOME_EDIT}/history")))
    response = owner.post(f"{HOME_EDIT}/restore/{first}", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{HOME_EDIT}/history"
    html = text_of(owner.get(f"{HOME_EDIT}/history"))
    status = re.search(r'role="status">(.*?)</div>', html, re.S)[1]
    assert f"Version {first} restored: it is saved as version 3" in status
    assert "Note: restored revision 1" in html
    assert revision_count(app) == 3
    assert reader_sees(app, FIRST_TITLE)
    assert "kindly" not in reader_page(app)


def test_a_restore_without_the_form_token_is_refused(app, owner):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    save(app, HOME_FILE, article_with(SECOND_TITLE), "")
    response = owner.post(f"{HOME_EDIT}/restore/{first}")
    assert response.status_code == 400
    assert revision_count(app) == 2


def test_restoring_a_revision_of_another_file_is_not_found(app, owner):
    first = save(app, HOME_FILE, article_with(FIRST_TITLE), "")
    token = csrf_token_from(text_of(owner.get("/edit/privacy/history")))
    response = owner.post(f"/edit/privacy/restore/{first}", data={"csrf_token": token})
    assert response.status_code == 404
    assert revision_count(app) == 1


def test_a_version_that_no_longer_fits_is_refused_with_the_reason(app, owner):
    # As if an older version of the site had saved a key this one dropped.
    stale = store_unchecked(app, HOME_FILE, article_with(FIRST_TITLE), "old")
    db = connect(app.config["DATABASE"])
    db.execute(
        "UPDATE content_revisions SET text = replace(text, 'published:', "
        "'released:') WHERE id = ?",
        [stale],
    )
    db.conn.commit()
    db.conn.close()

    hub = text_of(owner.get("/edit"))
    alert = re.search(r'class="owner-error" role="alert">(.*?)</div>', hub, re.S)[1]
    assert f"The article “{OLD_TITLE}”: your last saved version no longer fits" in alert
    assert not [word for word in FILE_WORDS if word in alert]

    history = text_of(owner.get(f"{HOME_EDIT}/history"))
    assert "(shown on the site now)" not in history
    token = csrf_token_from(history)
    response = owner.post(f"{HOME_EDIT}/restore/{stale}", data={"csrf_token": token})
    # As every other refusal of the editor: the words could not be taken.
    assert response.status_code == 422
    html = text_of(response)
    alert = re.search(r'role="alert">(.*?)</div>', html, re.S)[1]
    assert f"Version {stale} was not restored: it no longer fits the site" in alert
    assert "key &#39;published&#39; is missing" in alert  # the reason names the key
    assert revision_count(app) == 1
    assert reader_sees(app, "What Comes to Mind")  # the words the site came with


def test_no_answer_under_edit_is_kept_by_a_cache(owner_client):
    for path in ("/edit", "/edit/no-such-file/history", f"{HOME_EDIT}/diff?from=x"):
        response = owner_client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
