"""The owner's changes to the set of articles: a new draft, publish, unpublish, delete.

Each change is a saved revision of the article's file
(``articles/<slug>.md``), checked as any save is (site/revisions.py), so it
shows in the history and can be restored. Deleting saves an empty revision
(a tombstone); restoring an earlier revision brings the article back. The
editor and ``flask articles`` both call these; a refusal is a ContentError
in the owner's words.
"""

import re

import yaml
from flask import current_app

from ..core.calendar import today
from . import revisions
from .content import ID_PATTERN, ContentError
from .loading import SLUG_LIMIT, article_files, article_name, load_saved_content

# The front matter's ``published:`` line (the first, at the start of a line).
PUBLISHED_LINE = re.compile(r"^published:[^\n]*$", re.MULTILINE)
# The front matter's ``home: true`` line, and where a new one goes.
HOME_LINE = re.compile(r"^home:[ \t]*true[ \t]*\n", re.MULTILINE)
FRONT_MATTER_START = re.compile(r"\A---[ \t]*\n")
WIDGETS_KEY = re.compile(r"^widgets:", re.MULTILINE)
NEW_DESCRIPTION = "A line or two on what this article is about."
NEW_HEALTH_NOTE = (
    "This article is general information, not medical advice. If you have "
    "a health condition, talk to your healthcare provider before you book."
)
NEW_TEXT = (
    "Write the article here. A line holding only three dashes starts a new "
    "section; a line starting with ## is a section's heading."
)


class BadAddress(ContentError):
    """A new article's address that cannot be one (its letters, its length)."""


class AddressTaken(ContentError):
    """A new article's address that another article has."""


class AddressOfDeleted(AddressTaken):
    """A new article's address that a deleted article had (it can come back)."""


def check_slug(slug):
    """``slug`` if it can be an article's address, else a BadAddress."""
    if not isinstance(slug, str) or not ID_PATTERN.match(slug):
        raise BadAddress(
            f"'{slug}' cannot be an article's address: use lowercase letters, "
            "digits and hyphens only (like prenatal-massage)"
        )
    if len(slug) > SLUG_LIMIT:
        raise BadAddress(
            f"an article's address can be at most {SLUG_LIMIT} characters long"
        )
    return slug


def current_articles(db):
    """Every article as the newest saved words make it, drafts included."""
    content, _skipped = load_saved_content(current_app, revisions.newest_texts(db))
    return content["articles"]


def find(db, slug):
    """The article ``slug`` (drafts included) as saved now, else a ContentError."""
    for article in current_articles(db):
        if article.slug == slug:
            return article
    raise ContentError(f"there is no article called '{slug}'")


def draft_text(title):
    """The words of a new draft: its title, placeholders for the rest."""
    front = yaml.safe_dump(
        {
            "title": " ".join(title.split()),
            "published": False,
            "description": NEW_DESCRIPTION,
            "health_note": NEW_HEALTH_NOTE,
        },
        allow_unicode=True,
        sort_keys=False,
        width=72,
    )
    return f"---\n{front}---\n{NEW_TEXT}\n"


def had_words(db, file):
    """True when ``file`` has a saved version with words (a deleted one's too)."""
    if not db[revisions.TABLE].exists():
        return False
    rows = db[revisions.TABLE].rows_where("file = ? AND text != ''", [file], limit=1)
    return next(iter(rows), None) is not None


def check_address_free(db, slug):
    """Refuse ``slug`` as a new article's address when an article has or had it.

    A deleted article keeps its address: it can be restored, and its saved
    versions would otherwise become the new one's history.
    """
    if any(article.slug == slug for article in current_articles(db)):
        raise AddressTaken(f"there is already an article called '{slug}'")
    if had_words(db, article_name(slug)):
        raise AddressOfDeleted(
            f"a deleted article had the address '{slug}': restore it "
            f"(flask content history {article_name(slug)}, then flask content "
            "revert), or choose another address"
        )


def new_article(db, slug, title, note=""):
    """Save a new draft article ``slug`` called ``title``; its revision id."""
    check_slug(slug)
    if not title or not title.strip():
        raise ContentError("a new article needs a title")
    check_address_free(db, slug)
    return revisions.save(
        db, article_name(slug), draft_text(title), note or "new article (a draft)"
    )


def _current_text(db, article):
    """The words of ``article``'s file the site shows now."""
    return revisions.current_texts(current_app, db)[article.file][1]


def publish(db, slug):
    """Publish draft ``slug`` dated the practice's today; its revision id, or None.

    An article already published keeps its date (None: nothing to save).
    """
    article = find(db, slug)
    if not article.draft:
        return None
    text = PUBLISHED_LINE.sub(
        f"published: {today().isoformat()}", _current_text(db, article), count=1
    )
    return revisions.save(db, article.file, text, "published")


def unpublish(db, slug):
    """Make ``slug`` a draft again; its revision id, or None if it is one."""
    article = find(db, slug)
    if article.home:
        raise ContentError(
            f"'{slug}' is the home page's article: it cannot become a draft"
        )
    if article.draft:
        return None
    text = PUBLISHED_LINE.sub("published: false", _current_text(db, article), count=1)
    return revisions.save(db, article.file, text, "made a draft again")


def delete(db, slug):
    """Delete ``slug`` (an empty revision, restorable from its history); its id."""
    article = find(db, slug)
    if article.home:
        raise ContentError(f"'{slug}' is the home page's article: it cannot be deleted")
    if article.file not in revisions.newest_texts(db):
        # Only a file so far: keep its words as a version, so that deleting
        # can be undone from its history like any other article's.
        revisions.save(
            db, article.file, _current_text(db, article), "as it was before deleting"
        )
    return revisions.save(db, article.file, "", "deleted")


def _names_widgets(text):
    """True when the front matter of ``text`` has a ``widgets:`` key."""
    return WIDGETS_KEY.search(text[: text.find("\n---", 3)]) is not None


def _added(text, lines):
    """``text`` with ``lines`` at the start of its front matter."""
    return FRONT_MATTER_START.sub(lambda _start: "---\n" + lines, text, count=1)


def _widgets_lines(placements):
    """The ``widgets:`` key placing ``placements`` ((widget, after) pairs)."""
    if not placements:
        return "widgets: []\n"
    return "widgets:\n" + "".join(
        f"  - widget: {widget}\n    after: {after}\n" for widget, after in placements
    )


def make_home(db, slug):
    """Make published ``slug`` the page at "/"; the two revision ids, or None.

    The article home now loses its ``home: true`` as ``slug`` gains it, both
    saved as one change (neither can be saved alone).
    """
    article = find(db, slug)
    if article.home:
        return None
    if article.draft:
        raise ContentError(
            f"'{slug}' is a draft: publish it first, then make it the home page"
        )
    if any(home for _path, home in article_files(current_app.config).values()):
        raise ContentError(
            "the home page is fixed by how this site is set up "
            "(its article file is named in the settings)"
        )
    home = next(a for a in current_articles(db) if a.home)
    old_home = HOME_LINE.sub("", _current_text(db, home), count=1)
    if not _names_widgets(old_home):
        # Its widgets came from widgets.yaml's show_after, a home's only:
        # written out, they stay where they were.
        old_home = _added(old_home, _widgets_lines(home.placements))
    new_home = _added(_current_text(db, article), "home: true\n")
    if not _names_widgets(new_home):
        new_home = _added(new_home, "widgets: []\n")  # as it showed: none
    return revisions.save_together(
        db,
        {home.file: old_home, article.file: new_home},
        f"made {slug} the home page",
    )
