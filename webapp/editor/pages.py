"""The editor's hub and each file's history: saves listed, compared, restored.

``/edit`` lists the kinds of words and the articles with when each was last
saved; ``/edit/<kind>/history`` lists a file's revisions, ``/edit/<kind>/diff``
shows the lines two of them differ by, and ``POST /edit/<kind>/restore/<id>``
saves an earlier revision again as the newest (``site.revisions.revert``),
checked as any save is. A URL names a file by its kind (``privacy``) or an
article by its address (editor/article_views.py), never by its file name.
"""

import datetime
import difflib
import re
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)

from ..auth.guard import login_required
from ..core.calendar import practice_zone
from ..core.db import get_db
from ..core.formatting import clock, counted, long_date
from ..site import revisions
from ..site.articles import find_article
from ..site.content import ContentError
from ..site.loading import (
    ARTICLE_NAME,
    LEGACY_HOME,
    NO_HOME,
    content_folder,
    content_paths,
    load_saved_content,
)
from .blueprint import bp

# Lines of unchanged text kept around each change in a comparison.
CONTEXT_LINES = 3
FLASH_CATEGORY = "editor-history"
REVISION_ID = "int(max=9223372036854775807)"


@dataclass(frozen=True)
class Words:
    """One content file as the owner knows it: a kind of words, or an article."""

    kind: str  # its part of every URL ("article" for each article)
    file: str  # its name in the revisions (site/loading.FILE_NAMES)
    title: str
    about: str
    slug: str = ""  # an article's: its URLs name it by its address

    def url(self, view, **values):
        """The address of this file's editor page ``view`` (``history``...)."""
        if self.slug:
            return url_for(f"editor.article_{view}", slug=self.slug, **values)
        return url_for(f"editor.{view}", kind=self.kind, **values)


WORDS = {
    words.kind: words
    for words in (
        Words(
            "practice",
            "practice.yaml",
            "Your details",
            "Who you are, your sessions and prices, policies, opening hours and photo.",
        ),
        Words(
            "widgets",
            "widgets.yaml",
            "Widget words",
            "The words of the comparison, the technique notes and the chooser.",
        ),
        Words(
            "privacy",
            "privacy.md",
            "Privacy page",
            "What readers are told about what the site counts and keeps.",
        ),
    )
}


def words_of(kind):
    """The ``Words`` a URL names; 404 for any other."""
    if kind not in WORDS:
        abort(404)
    return WORDS[kind]


def edit_url(words):
    """The page that edits ``words`` (``/edit/privacy``...)."""
    if words.slug:
        return words.url("text_page")
    return f"{url_for('editor.index')}/{words.kind}"


# A check's message starts with the file it is about, then maybe the revision:
# "articles/prenatal.md (revision 12): front matter key 'title' ...".
ANY_ARTICLE = ARTICLE_NAME.pattern[1:-1]  # loading's rule, unanchored
FILE_AT_START = re.compile(
    rf"^(?P<file>{ANY_ARTICLE}|[a-z]+\.(?:md|yaml))(?: \(revision \d+\))?: "
)
# An article's name anywhere in a message ("a.md and b.md: both say ...").
ARTICLE_NAMED = re.compile(rf"\b{ANY_ARTICLE}\b|\b{re.escape(LEGACY_HOME)}\b")


HOME_KEPT = (
    "this article is the home page: keep 'home: true' "
    "(or make another article the home page first)"
)


def _said_by_the_owner(file):
    """What the owner calls ``file``: "your details", the article "Title"..."""
    for words in WORDS.values():
        if words.file == file:
            return words.title.lower()
    slug = file.removeprefix("articles/").removesuffix(".md")
    article = find_article(slug, drafts=True)
    return f"the article “{article.title}”" if article else "another article"


def owner_words(message, words):
    """A ContentError's message in words for the owner: no file name or path.

    The check names the file first (``privacy.md: key 'title' ...``): on the
    page of that file, that is said by the page itself; another file's name
    becomes what the owner calls it.
    """
    if NO_HOME in message:
        return HOME_KEPT
    config = current_app.config
    for name, path in content_paths(config).items():
        message = message.replace(str(path), name)
    message = message.replace(f"{content_folder(config)}/", "")
    match = FILE_AT_START.match(message)
    if match:
        rest = message[match.end() :]
        if match["file"] != words.file:
            rest = f"In {_said_by_the_owner(match['file'])}: {rest}"
        message = rest
    return ARTICLE_NAMED.sub(
        lambda named: (
            "this article" if named[0] == words.file else _said_by_the_owner(named[0])
        ),
        message,
    )


def saved_when(saved_at):
    """A revision's stored UTC time said in the practice's zone and locale."""
    moment = datetime.datetime.fromisoformat(saved_at).astimezone(practice_zone())
    return f"{long_date(moment.date())} at {clock(moment.time())}"


def skipped_files():
    """The files whose newest save no longer fits this version of the site."""
    _content, skipped = load_saved_content(
        current_app, revisions.newest_texts(get_db())
    )
    return set(skipped)


def newest_saves():
    """``{file: its newest revision}`` (``id``, ``saved_at``, ``note``...)."""
    newest = {}
    for revision in revisions.history(get_db()):
        newest.setdefault(revision["file"], revision)
    return newest


def saved_row(words, newest):
    """What the hub says of ``words``: its links and when it was last saved."""
    last = newest.get(words.file)
    return {
        "words": words,
        "edit_url": edit_url(words),
        "last": last,
        "when": saved_when(last["saved_at"]) if last else None,
    }


def deleted_ids(words):
    """The ids of ``words``' revisions that deleted it (an article's empty text)."""
    db = get_db()
    if not db[revisions.TABLE].exists():
        return set()
    where = "file = ? AND text = ''"
    return {row["id"] for row in db[revisions.TABLE].rows_where(where, [words.file])}


def _revisions_of(words):
    """``words``' revisions newest first, each with its time spelt out."""
    deleted = deleted_ids(words)
    return [
        {
            **revision,
            "when": saved_when(revision["saved_at"]),
            "deleted": revision["id"] in deleted,
        }
        for revision in revisions.history(get_db(), words.file)
    ]


def history_page(words, *, error="", status=200):
    """The history page of ``words``, with the last notice or an alert message."""
    messages = get_flashed_messages(category_filter=[FLASH_CATEGORY])
    html = render_template(
        "editor/history.html",
        words=words,
        edit_url=edit_url(words),
        revisions=_revisions_of(words),
        message=messages[-1] if messages else "",
        error=error,
        no_longer_fits=words.file in skipped_files(),
        # An article written here has no file the site came with to show.
        came_with=words.file in content_paths(current_app.config),
    )
    return html, status


@bp.get("/<kind>/history")
@login_required
def history(kind):
    """Every saved version of one kind of words, to compare or restore."""
    return history_page(words_of(kind))


def _revision_text(words, revision_id):
    """The text of revision ``revision_id`` of ``words``; 404 if it is not one."""
    db = get_db()
    if not db[revisions.TABLE].exists():
        abort(404)
    rows = list(
        db[revisions.TABLE].rows_where(
            "id = ? AND file = ?", [revision_id, words.file], select="text"
        )
    )
    if not rows:
        abort(404)
    return rows[0]["text"]


def _revision_id(value):
    """A revision number from the query string; 404 when it is not one."""
    if not value or not value.isdigit() or len(value) > 18:
        abort(404)
    return int(value)


def line_changes(before, after):
    """The changed lines of ``after`` against ``before``, in groups with context.

    Each group is a list of ``(kind, number, line)``: kind ``same``, ``removed``
    or ``added``, the number the line's in its own version.
    """
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    groups = []
    for opcodes in matcher.get_grouped_opcodes(CONTEXT_LINES):
        lines = []
        for tag, old_start, old_end, new_start, new_end in opcodes:
            if tag == "equal":
                lines += [
                    ("same", new_start + i + 1, old[old_start + i])
                    for i in range(old_end - old_start)
                ]
                continue
            lines += [
                ("removed", number + 1, old[number])
                for number in range(old_start, old_end)
            ]
            lines += [
                ("added", number + 1, new[number])
                for number in range(new_start, new_end)
            ]
        groups.append(lines)
    return groups


def change_summary(groups):
    """``2 lines added, 1 line removed`` for the comparison's heading."""
    kinds = [kind for group in groups for kind, _number, _line in group]
    added, removed = kinds.count("added"), kinds.count("removed")
    return f"{counted(added, 'line')} added, {counted(removed, 'line')} removed"


def diff_page(words):
    """The lines two saved versions of ``words`` differ by, marked in words."""
    first = _revision_id(request.args.get("from"))
    second = _revision_id(request.args.get("to"))
    older, newer = sorted((first, second))
    groups = line_changes(_revision_text(words, older), _revision_text(words, newer))
    return render_template(
        "editor/diff.html",
        words=words,
        older=older,
        newer=newer,
        groups=groups,
        summary=change_summary(groups),
    )


@bp.get("/<kind>/diff")
@login_required
def diff(kind):
    """The lines two saved versions differ by, removed and added marked in words."""
    return diff_page(words_of(kind))


def restore_revision(words, revision_id):
    """Save an earlier version of ``words`` again as the newest, if it still fits."""
    _revision_text(words, revision_id)  # 404 for a revision of another file
    try:
        new_id = revisions.revert(get_db(), words.file, revision_id)
    except ContentError as error:
        reason = (
            f"Version {revision_id} was not restored: it no longer fits the site "
            f"({owner_words(str(error), words)})."
        )
        return history_page(words, error=reason, status=422)
    flash(
        f"Version {revision_id} restored: it is saved as version {new_id} "
        "and the site shows it now.",
        FLASH_CATEGORY,
    )
    return redirect(words.url("history"), 303)


@bp.post(f"/<kind>/restore/<{REVISION_ID}:revision_id>")
@login_required
def restore(kind, revision_id):
    """Save an earlier version again as the newest, if it still fits the site."""
    return restore_revision(words_of(kind), revision_id)
