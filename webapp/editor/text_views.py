"""The article, the privacy page and the widget words edited as text.

``/edit/article`` and ``/edit/privacy`` hold Markdown with its front matter,
with a preview beside it (htmx posts the text to ``/edit/<kind>/preview``
after a pause in typing; without JavaScript a "Preview" button posts the
form). The preview is rendered by the very loaders the live page uses
(``load_article``, ``load_privacy``), never a second renderer. ``/edit/widgets``
holds the YAML. Saving goes through ``site.revisions.save``, the one check
of a content file: a refused text is kept in the box with the reason beside
it, and nothing is saved.
"""

from flask import (
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..auth.guard import login_required
from ..core.db import get_db
from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import body_limit
from ..site import revisions
from ..site.article import load_article
from ..site.content import ContentError, get_practice, saved_texts
from ..site.loading import content_paths
from ..site.privacy import load_privacy
from .blueprint import bp
from .pages import WORDS

# The kinds edited as text here (the practice has its own form).
TEXT_KINDS = "any(article, privacy, widgets)"
MARKDOWN_KINDS = ("article", "privacy")
MARKDOWN_RULE = "any(article, privacy)"
FLASH_CATEGORY = "editor-text"
# A form carries the text URL-encoded: up to three bytes a character, six
# for a line break sent as CR LF. Room for the largest text a file may hold,
# so a text over it gets the plain "too much" answer, not a bare 413.
FORM_LIMIT = 8 * revisions.MAX_BYTES


def _plain_text(form):
    """The text typed, with the browser's CR LF line breaks made plain LF."""
    return form.get("text", "").replace("\r\n", "\n").replace("\r", "\n")


def _owner_words(message, words):
    """A ContentError's message in words for the owner: no file name or path.

    The check names the file first (``article.md: key 'title' ...``): on the
    page of that file, that is said by the page itself; another file's name
    becomes what the owner calls it.
    """
    for name, path in content_paths(current_app.config).items():
        message = message.replace(str(path), name)
    for other in WORDS.values():
        if message.startswith(other.file):
            rest = message[len(other.file) :]
            # "article.md (revision 12): ..." names a saved revision.
            rest = rest.split(": ", 1)[1] if ": " in rest else rest
            if other.file == words.file:
                return rest[:1].upper() + rest[1:]
            return f"In {other.title.lower()}: {rest}"
    return message


def render_preview(words, text):
    """``text`` rendered as the live page renders it: (page, None) or (None, error)."""
    path = content_paths(current_app.config)[words.file]
    try:
        revisions.check_size(words.file, text)
        with saved_texts({str(path): (None, text)}):
            if words.kind == "article":
                return load_article(path), None
            page = load_privacy(current_app.config, path, get_practice().name)
            return page, None
    except ContentError as error:
        return None, _owner_words(str(error), words)


def _page(words, text, note="", *, error="", preview=None, status=200):
    """The edit page of ``words`` with ``text`` in its box."""
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
    )
    return make_response(html, status)


@bp.get(f"/<{TEXT_KINDS}:kind>")
@login_required
def text_page(kind):
    """The text of the article, the privacy page or the widget words, to edit."""
    words = WORDS[kind]
    _revision, text = revisions.current_texts(current_app, get_db())[words.file]
    return _page(words, text)


@bp.post(f"/<{TEXT_KINDS}:kind>")
@body_limit(FORM_LIMIT)
@login_required
def save_text(kind):
    """Save the text as the newest revision, or show why it was refused."""
    words = WORDS[kind]
    text, note = _plain_text(request.form), request.form.get("note", "")
    try:
        revisions.save(get_db(), words.file, text, note)
    except ContentError as error:
        message = f"Not saved: {_owner_words(str(error), words)}"
        return _page(words, text, note, error=message, status=422)
    flash(
        "Saved. The site shows your new words within a second.",
        FLASH_CATEGORY,
    )
    return redirect(url_for("editor.text_page", kind=kind), 303)


@bp.post(f"/<{MARKDOWN_RULE}:kind>/preview")
@body_limit(FORM_LIMIT)
@login_required
def preview(kind):
    """The text as readers would see it; the whole page without JavaScript."""
    words = WORDS[kind]
    text = _plain_text(request.form)
    page, error = render_preview(words, text)
    shown = {"words": words, "page": page, "error": error}
    if wants_fragment():
        html = render_template("editor/_preview.html", preview=shown)
        return vary_on_htmx(make_response(html))
    return vary_on_htmx(_page(words, text, request.form.get("note", ""), preview=shown))
