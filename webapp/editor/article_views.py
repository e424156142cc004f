"""Each article in the browser (issue 32): its text, its versions, publishing.

``/edit/articles/<slug>`` holds one article's Markdown with a preview (the
text pages' own views, editor/text_views.py), with its history, diff and
restore beside it (editor/pages.py). ``POST .../publish``, ``.../unpublish``,
``.../make-home`` and ``.../delete`` (after a confirmation page that needs
no JavaScript) call the one home of those changes (``site.article_changes``),
checked as any save is; a refusal is a 422 in the owner's words.
``/edit/article``, the one article's page before there were several, leads to
the home article's. A new article is new_article.py's.
"""

import re

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ..auth.guard import login_required
from ..core.db import get_db
from ..core.security import body_limit
from ..site import article_changes, revisions
from ..site.articles import find_article, home_article
from ..site.content import ContentError
from ..site.loading import article_name, article_slug
from .blueprint import bp
from .pages import (
    Words,
    diff_page,
    history_page,
    owner_words,
    restore_revision,
)
from .text_views import (
    FORM_LIMIT,
    capitalized,
    preview_words,
    save_words,
    text_page_of,
)

ABOUT = "An article readers read: its title, introduction and sections."
# The hub's notices (a deletion, a publication made from the hub).
HUB_CATEGORY = "editor-hub"
FLASH_CATEGORY = "editor-text"


def words_of_article(article):
    """The ``Words`` of a live article (a draft included)."""
    return Words("article", article.file, article.title, ABOUT, slug=article.slug)


def newest_kept_text(file):
    """``(id, text)`` of ``file``'s newest revision that has words, else None."""
    db = get_db()
    if not db[revisions.TABLE].exists():
        return None
    rows = db[revisions.TABLE].rows_where(
        "file = ? AND text != ''", [file], select="id, text", order_by="id desc"
    )
    row = next(iter(rows), None)
    return (row["id"], row["text"]) if row else None


def title_in(text):
    """The ``title:`` of an article's text, or None when it has none to read."""
    match = re.search(r"(?m)^title:\s*[\"']?(.+?)[\"']?\s*$", text)
    return match.group(1) if match else None


def deleted_words(slug):
    """The ``Words`` of an article known by its saved versions only, else None.

    A deleted one, or one written here whose newest save no longer fits.
    """
    file = article_name(slug)
    kept = newest_kept_text(file) if article_slug(file) else None
    if kept is None:
        return None
    return Words("article", file, title_in(kept[1]) or slug, ABOUT, slug=slug)


def article_words(slug):
    """The ``Words`` of the article ``slug``, live or deleted; 404 for no article."""
    article = find_article(slug, drafts=True)
    if article is not None:
        return words_of_article(article)
    words = deleted_words(slug)
    if words is None:
        abort(404)
    return words


def live_article(slug):
    """The live article ``slug`` (drafts too); 404 when there is none."""
    article = find_article(slug, drafts=True)
    if article is None:
        # Another worker may have saved it a moment ago (the owner's new
        # article, opened next): look for newer words now, not in 0.5 s.
        watch = current_app.extensions.get("content_watch")
        if watch is not None:
            watch.look_next()
            watch()
        article = find_article(slug, drafts=True)
    if article is None:
        abort(404)
    return article


def deleted_articles():
    """Deleted articles, newest first: ``(words, id of the version to restore)``."""
    saved = revisions.newest_texts(get_db())
    gone = sorted(
        (revision_id, name)
        for name, (revision_id, text) in saved.items()
        if text == "" and article_slug(name)
    )
    found = []
    for _revision_id, name in reversed(gone):
        words = deleted_words(article_slug(name))
        if words is not None:
            found.append((words, newest_kept_text(name)[0]))
    return found


def _article_page(words, text, note="", *, error="", preview=None, status=200):
    """An article's edit page: the text page with its status and buttons."""
    article = find_article(words.slug, drafts=True)
    return text_page_of(
        words, text, note, error=error, preview=preview, status=status, article=article
    )


def current_text(words):
    """The words the site shows now for ``words``' file."""
    texts = revisions.current_texts(current_app, get_db())
    return texts[words.file][1]


@bp.get("/articles/<slug>")
@login_required
def article_text_page(slug):
    """One article's text, to edit, with its status and its buttons."""
    words = words_of_article(live_article(slug))
    return _article_page(words, current_text(words))


@bp.post("/articles/<slug>")
@body_limit(FORM_LIMIT)
@login_required
def article_save_text(slug):
    """Save the article's text as its newest version, or show why not."""
    return save_words(words_of_article(live_article(slug)), page_of=_article_page)


@bp.post("/articles/<slug>/preview")
@body_limit(FORM_LIMIT)
@login_required
def article_preview(slug):
    """The article's text as readers would see it."""
    return preview_words(words_of_article(live_article(slug)), page_of=_article_page)


@bp.get("/articles/<slug>/history")
@login_required
def article_history(slug):
    """Every saved version of one article, a deleted one's too."""
    return history_page(article_words(slug))


@bp.get("/articles/<slug>/diff")
@login_required
def article_diff(slug):
    """The lines two saved versions of one article differ by."""
    return diff_page(article_words(slug))


@bp.post("/articles/<slug>/restore/<int(max=9223372036854775807):revision_id>")
@login_required
def article_restore(slug, revision_id):
    """Save an earlier version of the article again (a deleted one comes back)."""
    return restore_revision(article_words(slug), revision_id)


def _refused(article, error):
    """The article's page, nothing changed, with the reason (422)."""
    words = words_of_article(article)
    message = capitalized(owner_words(str(error), words))
    return _article_page(words, current_text(words), error=message, status=422)


def _back_to(article):
    """Where a button sends the owner back: the hub or the article's page."""
    if request.form.get("back") == "hub":
        return url_for("editor.index"), HUB_CATEGORY
    return url_for("editor.article_text_page", slug=article.slug), FLASH_CATEGORY


def _change(slug, change, done):
    """Apply ``change`` (publish...) to the article; its notice, or a refusal."""
    article = live_article(slug)
    try:
        change(get_db(), slug)
    except ContentError as error:
        return _refused(article, error)
    where, category = _back_to(article)
    flash(done.format(title=article.title, path=article.path), category)
    return redirect(where, 303)


@bp.post("/articles/<slug>/publish")
@login_required
def article_publish(slug):
    """Publish a draft: readers find it at its address."""
    return _change(
        slug,
        article_changes.publish,
        "“{title}” is published: readers find it at {path}.",
    )


@bp.post("/articles/<slug>/unpublish")
@login_required
def article_unpublish(slug):
    """Make a published article a draft again, seen by the owner only."""
    return _change(
        slug,
        article_changes.unpublish,
        "“{title}” is a draft again: only you can see it.",
    )


@bp.post("/articles/<slug>/make-home")
@login_required
def article_make_home(slug):
    """Make a published article the home page: readers find it at "/"."""
    return _change(
        slug,
        article_changes.make_home,
        "“{title}” is the home page now: readers find it at the site's address.",
    )


@bp.get("/articles/<slug>/delete")
@login_required
def article_delete_page(slug):
    """The step before deleting: what deleting does, and the button."""
    article = live_article(slug)
    if article.home:
        abort(404)  # never deleted: it has no such step (a POST says why)
    return render_template("editor/delete.html", article=article)


@bp.post("/articles/<slug>/delete")
@login_required
def article_delete(slug):
    """Delete the article: gone from the site, kept in its saved versions."""
    article = live_article(slug)
    try:
        article_changes.delete(get_db(), slug)
    except ContentError as error:
        return _refused(article, error)
    flash(
        f"“{article.title}” is deleted: readers no longer find it. It is listed "
        "under Deleted articles, where you can restore it.",
        HUB_CATEGORY,
    )
    return redirect(url_for("editor.index"), 303)


@bp.route("/article", methods=["GET", "POST"])
@bp.route("/article/<path:rest>", methods=["GET", "POST"])
@login_required
def one_article(rest=""):
    """The page of the one article there used to be: now the home article's."""
    where = url_for("editor.article_text_page", slug=home_article().slug)
    if rest:
        where += f"/{rest}"
    if request.query_string:
        where += "?" + request.query_string.decode("ascii", "replace")
    return redirect(where, 308)
