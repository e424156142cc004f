"""The article, the privacy page and the widget words edited as text (issue 31).

Each test drives the real pages through the test client on a real SQLite
file: what the owner sees on the edit page, what is saved (the revisions),
and what readers then get from the live page.
"""

import html
import re
import time

import pytest
from markupsafe import escape

from webapp.site import revisions
from webapp.site.content import get_practice

from .conftest import csrf_token_from, log_in

HTMX = {"HX-Request": "true"}
HOME_FILE = "articles/medical-or-therapeutic-massage.md"  # its name in the revisions
HOME_EDIT = "/edit/articles/medical-or-therapeutic-massage"
TEXT_PAGES = (HOME_EDIT, "/edit/privacy", "/edit/widgets")
# Words typed into the article that must never run on any page.
HOSTILE = (
    "<script>alert('typed')</script>\n\n"
    '<img src="x" onerror="alert(2)">\n\n'
    "[a trap](javascript:alert(3)) and [another](JaVaScRiPt:alert(4))\n"
)


def text_in(page):
    """The text in the page's box, as the browser would send it back."""
    match = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)
    assert match, "no text box on the page"
    return html.unescape(match.group(1))


def open_page(client, url):
    """The edit page's HTML, its text and its form's CSRF token."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, text_in(page), csrf_token_from(page)


def saved(db, file):
    """How many revisions of ``file`` are saved."""
    return len(revisions.history(db, file))


def live_page_shows(client, path, words, seconds=2.0):
    """True once the live page at ``path`` holds ``words`` (within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        if words in client.get(path).get_data(as_text=True):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def with_title(text, title):
    """The article's text with its front matter's title replaced."""
    changed, count = re.subn(r"(?m)^title:.*$", f'title: "{title}"', text, count=1)
    assert count == 1
    return changed


@pytest.mark.parametrize("url", TEXT_PAGES)
def test_a_reader_is_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    posted = client.post(url, data={"text": "anything"})
    assert posted.status_code in (302, 400)
    assert "/login" in posted.headers.get("Location", "/login")


def test_a_reader_cannot_preview_or_save(client, app, owner_password, db):
    for url in (f"{HOME_EDIT}/preview", HOME_EDIT):
        response = client.post(url, data={"text": HOSTILE})
        assert response.status_code in (302, 400)
    assert saved(db, HOME_FILE) == 0


@pytest.mark.parametrize("url", TEXT_PAGES)
def test_each_page_holds_the_words_the_site_shows_and_is_never_cached(
    owner_client, url
):
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert text_in(page).strip()
    # The owner is told what the words are, not which file holds them.
    # (Outside the text itself, which is the owner's, and the links' addresses.)
    said = re.sub(r'<textarea.*?</textarea>|="[^"]*"', "", page, flags=re.S)
    assert not re.search(r"\.md\b|\.yaml\b|articles/", said)


def test_a_post_without_its_token_saves_nothing(owner_client, db):
    _page, text, _token = open_page(owner_client, HOME_EDIT)
    response = owner_client.post(HOME_EDIT, data={"text": with_title(text, "No token")})
    assert response.status_code == 400
    preview = owner_client.post(f"{HOME_EDIT}/preview", data={"text": text})
    assert preview.status_code == 400
    assert saved(db, HOME_FILE) == 0


def test_saving_the_article_shows_the_new_title_on_the_live_site(owner_client, db):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    response = owner_client.post(
        HOME_EDIT,
        data={
            "csrf_token": token,
            "text": with_title(text, "Hands that listen").replace("\n", "\r\n"),
            "note": "a warmer title",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(HOME_EDIT)
    page = owner_client.get(HOME_EDIT).get_data(as_text=True)
    assert re.search(r'role="status">Saved\.', page)
    assert "Hands that listen" in text_in(page)
    [revision] = revisions.history(db, HOME_FILE)
    assert revision["note"] == "a warmer title"
    # The browser's CR LF line breaks are stored as plain line breaks.
    assert "\r" not in revisions.newest_texts(db)[HOME_FILE][1]
    assert live_page_shows(owner_client, "/", "Hands that listen")


def test_a_refused_article_keeps_what_was_typed_and_changes_nothing(owner_client, db):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    before = owner_client.get("/").get_data(as_text=True)
    typed = re.sub(r"(?m)^title:.*\n", "", text, count=1) + "\nMy new closing line.\n"
    response = owner_client.post(
        HOME_EDIT, data={"csrf_token": token, "text": typed, "note": "oops"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(
        r'<div id="edit-error"[^>]*role="alert"[^>]*>\s*<p>(.*?)</p>', page
    )
    said = html.unescape(error.group(1)) if error else ""
    assert "'title'" in said
    assert ".md" not in said and "/" not in said
    box = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in box
    assert 'aria-describedby="edit-error' in box
    assert "My new closing line." in text_in(page)
    assert 'value="oops"' in page
    assert saved(db, HOME_FILE) == 0
    time.sleep(0.6)  # past every worker's next look for a save
    assert owner_client.get("/").get_data(as_text=True) == before


def test_an_article_over_256_kib_is_refused(owner_client, db):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    padding = ("Calm words for a long article. " * 11 + "\n\n") * 860  # ~300 KiB
    big = text + "\n" + padding
    assert len(big.encode()) > 300 * 1000
    response = owner_client.post(HOME_EDIT, data={"csrf_token": token, "text": big})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at most 256 KiB" in page
    assert saved(db, HOME_FILE) == 0


def test_a_yaml_typo_in_the_widget_words_is_refused_with_its_line(owner_client, db):
    _page, text, token = open_page(owner_client, "/edit/widgets")
    # A colon too many on a new last line (a value with a colon needs quotes).
    typed = text.rstrip("\n") + "\nbroken: one: two\n"
    last_line = typed.count("\n")
    response = owner_client.post(
        "/edit/widgets", data={"csrf_token": token, "text": typed}
    )
    assert response.status_code == 422
    error = re.search(
        r'role="alert"[^>]*>\s*<p>(.*?)</p>', response.get_data(as_text=True)
    )
    assert error and re.search(rf"[Ll]ine {last_line}\b", error.group(1))
    assert "not valid YAML" in error.group(1)
    assert text_in(response.get_data(as_text=True)) == typed
    assert saved(db, "widgets.yaml") == 0


def test_an_unknown_key_in_the_widget_words_is_named(owner_client, db):
    _page, text, token = open_page(owner_client, "/edit/widgets")
    typed = text.rstrip("\n") + "\ncomparsion_title: typo\n"
    response = owner_client.post(
        "/edit/widgets", data={"csrf_token": token, "text": typed}
    )
    assert response.status_code == 422
    assert "comparsion_title" in response.get_data(as_text=True)
    assert saved(db, "widgets.yaml") == 0


def test_widget_words_that_fit_are_saved(owner_client, db):
    _page, text, token = open_page(owner_client, "/edit/widgets")
    response = owner_client.post(
        "/edit/widgets", data={"csrf_token": token, "text": text + "\n# checked\n"}
    )
    assert response.status_code == 303
    assert revisions.newest_texts(db)["widgets.yaml"][1].endswith("# checked\n")


def inert(page):
    """Raise unless ``page`` shows the hostile words as text, never as markup."""
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    assert "&lt;img src=" in page
    assert not re.search(r"<img[^>]*onerror", page)
    assert 'href="javascript:' not in page.lower()
    assert "a trap" in page


def test_script_onerror_and_javascript_links_come_out_inert(owner_client, db):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    typed = with_title(text, "Safe words") + "\n" + HOSTILE
    preview = owner_client.post(
        f"{HOME_EDIT}/preview", data={"csrf_token": token, "text": typed}, headers=HTMX
    )
    assert preview.status_code == 200
    inert(preview.get_data(as_text=True))
    response = owner_client.post(HOME_EDIT, data={"csrf_token": token, "text": typed})
    assert response.status_code == 303
    assert live_page_shows(owner_client, "/", "Safe words")
    inert(owner_client.get("/").get_data(as_text=True))


def test_the_preview_is_the_live_pages_rendering_and_saves_nothing(owner_client, db):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    typed = (
        with_title(text, "A preview title")
        + "\n## A new part\n\nSome **strong** words.\n"
    )
    response = owner_client.post(
        f"{HOME_EDIT}/preview", data={"csrf_token": token, "text": typed}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert 'id="edit-preview"' in fragment and "<html" not in fragment
    assert "A preview title" in fragment
    assert "<h2>A new part</h2>" in fragment
    assert "<strong>strong</strong>" in fragment
    assert saved(db, HOME_FILE) == 0


def test_without_javascript_the_preview_button_shows_the_whole_page(owner_client, db):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    typed = with_title(text, "Seen before saving")
    response = owner_client.post(
        f"{HOME_EDIT}/preview", data={"csrf_token": token, "text": typed, "note": "n1"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page
    assert text_in(page) == typed
    assert 'value="n1"' in page
    preview = page[page.index('id="edit-preview"') :]
    assert "Seen before saving" in preview
    assert saved(db, HOME_FILE) == 0


def test_a_preview_of_a_broken_text_says_why(owner_client):
    _page, text, token = open_page(owner_client, HOME_EDIT)
    typed = re.sub(r"(?m)^title:.*\n", "", text, count=1)
    response = owner_client.post(
        f"{HOME_EDIT}/preview", data={"csrf_token": token, "text": typed}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = html.unescape(response.get_data(as_text=True))
    assert "cannot be shown yet" in fragment and "'title'" in fragment


def test_the_privacy_preview_fills_in_the_practices_name(owner_client, app):
    _page, text, token = open_page(owner_client, "/edit/privacy")
    typed = text + "\n\nWritten by {practice}.\n"
    response = owner_client.post(
        "/edit/privacy/preview", data={"csrf_token": token, "text": typed}, headers=HTMX
    )
    with app.app_context():
        name = get_practice().name
    assert f"Written by {escape(name)}." in response.get_data(as_text=True)


def test_saving_the_privacy_page_shows_on_the_live_page(owner_client, db):
    _page, text, token = open_page(owner_client, "/edit/privacy")
    typed = text + "\n\nA line added in the browser.\n"
    response = owner_client.post(
        "/edit/privacy", data={"csrf_token": token, "text": typed}
    )
    assert response.status_code == 303
    assert live_page_shows(owner_client, "/privacy", "A line added in the browser.")


def test_the_widget_words_have_no_preview_and_other_pages_are_not_here(owner_client):
    page, _text, token = open_page(owner_client, "/edit/widgets")
    assert "Preview" not in page
    response = owner_client.post(
        "/edit/widgets/preview", data={"csrf_token": token, "text": "x"}
    )
    assert response.status_code in (404, 405)
    assert owner_client.get("/edit/nothing-here").status_code == 404


def test_the_login_brings_the_owner_back_to_the_editor(client, owner_password):
    response = client.get("/edit/article")
    assert (
        log_in(client, owner_password, "/edit/article")
        .headers["Location"]
        .endswith("/edit/article")
    )
    assert response.status_code == 302


def test_a_mistake_met_in_other_words_names_them_without_a_file(owner_client, db):
    # The widget words follow a section by its heading: renaming it is refused.
    _page, text, token = open_page(owner_client, HOME_EDIT)
    heading = "## Key Differences Between Medical and Therapeutic Massage"
    assert heading in text
    typed = text.replace(heading, "## A renamed part")
    response = owner_client.post(HOME_EDIT, data={"csrf_token": token, "text": typed})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    error = re.search(r'role="alert"[^>]*>\s*<p>(.*?)</p>', page).group(1)
    assert error.startswith("Not saved: In widget words: key 'comparison.show_after'")
    assert "widgets.yaml" not in error and "/" not in error
    assert saved(db, HOME_FILE) == 0
