"""The articles, the privacy page and the widget words edited as text.

``/edit/privacy`` and each article's page (editor/article_views.py) hold
Markdown with its front matter, with a preview beside it (htmx posts the text
to the page's ``/preview`` after a pause in typing; without JavaScript a
"Preview" button posts the form). The preview is rendered by the very loaders
the live page uses (``load_article``, ``load_privacy``), never a second
renderer. ``/edit/widgets`` holds the YAML. Saving goes through
``site.revisions.save``, the one check of a content file: a refused text is
kept in the box with the reason beside it, and nothing is saved.
"""

from flask import (
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
)

from ..auth.guard import login_required
from ..core.db import get_db
from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import body_limit
from ..site import revisions
from ..site.article import load_article
from ..site.content import ContentError, get_practice, saved_texts
from ..site.loading import content_folder, content_paths
from ..site.privacy import load_privacy
from .blueprint import bp
from .pages import WORDS, owner_words

# The kinds edited as text here (the practice has its own form, each article
# its own address).
TEXT_KINDS = "any(privacy, widgets)"
MARKDOWN_KINDS = ("article", "privacy")
FLASH_CATEGORY = "editor-text"
# A form carries the text URL-encoded: up to three bytes a character, six
# for a line break sent as CR LF. Room for the largest text a file may hold,
# so a text over it gets the plain "too much" answer, not a bare 413.
FORM_LIMIT = 8 * revisions.MAX_BYTES


def _plain_text(form):
    """The text typed, with the browser's CR LF line breaks made plain LF."""
    return form.get("text", "").replace("\r\n", "\n").replace("\r", "\n")


def capitalized(text):
    """``text`` with its first letter made a capital."""
    return text[:1].upper() + text[1:]


def path_of(words):
    """Where ``words``' file would be in the content folder (a saved text's key)."""
    paths = content_paths(current_app.config)
    return paths.get(words.file) or content_folder(current_app.config) / words.file


def render_preview(words, text):
    """``text`` rendered as the live page renders it: (page, None) or (None, error)."""
    path = path_of(words)
    try:
        revisions.check_size(words.file, text)
        with saved_texts({str(path): (None, text)}):
            if words.kind == "article":
                return load_article(path), None
            page = load_privacy(current_app.config, path, get_practice().name)
            return page, None
    except ContentError as error:
        return None, capitalized(owner_words(str(error), words))


def text_page_of(words, text, note="", *, error="", preview=None, status=200, **more):
    """The edit page of ``words`` with ``text`` in its box (``more`` for articles)."""
    messages = get_flashed_messages(category_filter=[FLASH_CATEGORY])
    html = render_template(
        "editor/text.html",
        words=words,
        text=text,
        note=note,
        error=error,
        message=messages[-1] if messages else "",
        markdown=words.kind in MARKDOWN_KINDS,
        preview=preview,
        note_limit=revisions.NOTE_LIMIT,
        **more,
    )
    return make_response(html, status)


def save_words(words, page_of=text_page_of):
    """Save the text posted as ``words``' newest revision, or show why not."""
    text, note = _plain_text(request.form), request.form.get("note", "")
    try:
        revisions.save(get_db(), words.file, text, note)
    except ContentError as error:
        message = f"Not saved: {capitalized(owner_words(str(error), words))}"
        return page_of(words, text, note, error=message, status=422)
    flash(
        "Saved. The site shows your new words within a second.",
        FLASH_CATEGORY,
    )
    return redirect(words.url("text_page"), 303)


def preview_words(words, page_of=text_page_of):
    """The text posted as readers would see it; the whole page without JavaScript."""
    text = _plain_text(request.form)
    page, error = render_preview(words, text)
    shown = {"words": words, "page": page, "error": error}
    if wants_fragment():
        html = render_template("editor/_preview.html", preview=shown)
        return vary_on_htmx(make_response(html))
    note = request.form.get("note", "")
    return vary_on_htmx(page_of(words, text, note, preview=shown))


@bp.get(f"/<{TEXT_KINDS}:kind>")
@login_required
def text_page(kind):
    """The text of the privacy page or the widget words, to edit."""
    words = WORDS[kind]
    _revision, text = revisions.current_texts(current_app, get_db())[words.file]
    return text_page_of(words, text)


@bp.post(f"/<{TEXT_KINDS}:kind>")
@body_limit(FORM_LIMIT)
@login_required
def save_text(kind):
    """Save the text as the newest revision, or show why it was refused."""
    return save_words(WORDS[kind])


@bp.post("/<any(privacy):kind>/preview")
@body_limit(FORM_LIMIT)
@login_required
def preview(kind):
    """The privacy page as readers would see it."""
    return preview_words(WORDS[kind])
