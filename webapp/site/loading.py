"""Reading the content files together, the owner's saved words first.

Each file is read from its newest saved revision (site/revisions.py) where
there is one, else from the content folder. A revision that no longer fits
this version of the site (an upgrade renamed a key) is skipped: that file is
read from the folder instead and the owner is told (``flask check``,
``migrate``); a revision never stops the site from starting.

The articles are every ``articles/<slug>.md`` of the folder, plus those that
exist only as saved revisions (written in the editor); an empty revision (a
tombstone) is a deleted article. A folder without ``articles/`` but with an
``article.md`` (every server seeded before there were several) reads that
file as its home article.
"""

import dataclasses
import re
from pathlib import Path

from .article import ARTICLE_FILE, WIDGET_NAMES, load_article
from .content import CONTENT_DIR, ID_REGEX, ContentError, saved_texts
from .practice import PRACTICE_FILE, load_practice
from .privacy import PRIVACY_FILE, load_privacy
from .widget_content import WIDGETS_FILE, load_widgets

# Each content file's own setting and its shipped path (whose name it has in
# the content folder, and in the saved revisions).
CONTENT_FILES = (
    ("ARTICLE_FILE", ARTICLE_FILE),
    ("WIDGETS_FILE", WIDGETS_FILE),
    ("PRIVACY_FILE", PRIVACY_FILE),
    ("PRACTICE_FILE", PRACTICE_FILE),
)
# The content files that are not articles: one each, always there.
OTHER_FILES = CONTENT_FILES[1:]
FILE_NAMES = tuple(shipped.name for _setting, shipped in OTHER_FILES)
ARTICLES_DIR = "articles"
# The one article file of a folder from before there were several.
LEGACY_HOME = "article.md"
SLUG_LIMIT = 60
ARTICLE_NAME = re.compile(rf"^{ARTICLES_DIR}/({ID_REGEX[1:-1]})\.md$")
# The refusal when no article is the home page (the editor words it its way).
NO_HOME = "no article has 'home: true' (one must be the page at /)"


def content_folder(config):
    """The folder the owner's content files are read from (CONTENT_DIR).

    ``content/`` in a clone; on a server the folder deploy/webapp seeds
    (/var/lib/webapp/content), which upgrades never touch. A relative path
    is taken from the project folder, like DATABASE.
    """
    return CONTENT_DIR.parent / config.get("CONTENT_DIR", "content")


def content_file(config, setting, shipped):
    """One content file: its own setting (``PRACTICE_FILE``...), else the folder's."""
    return config.get(setting) or content_folder(config) / shipped.name


def article_slug(name):
    """The slug of an article's saved name ``articles/<slug>.md``, else None."""
    match = ARTICLE_NAME.match(name)
    if match and len(match.group(1)) <= SLUG_LIMIT:
        return match.group(1)
    return None


def article_name(slug):
    """An article's name in the saved words: ``articles/<slug>.md``."""
    return f"{ARTICLES_DIR}/{slug}.md"


def _setting_name(path):
    """The saved name of the article ARTICLE_FILE names (article.md stays so)."""
    path = Path(path)
    return LEGACY_HOME if path.name == LEGACY_HOME else article_name(path.stem)


def article_files(config, saved=()):
    """``{saved name: (path, home)}`` of every article, the home's first.

    ``home`` is True for the article that is home whatever its front matter
    says (ARTICLE_FILE, a legacy article.md). ARTICLE_FILE replaces the
    folder's articles; a name only ``saved`` has is an article written in
    the editor (its path in the folder does not exist).
    """
    folder = content_folder(config) / ARTICLES_DIR
    files = {}
    setting = config.get("ARTICLE_FILE")
    if setting:
        files[_setting_name(setting)] = (Path(setting), True)
    elif folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            files[article_name(path.stem)] = (path, False)
    else:
        files[LEGACY_HOME] = (content_folder(config) / LEGACY_HOME, True)
    for name in sorted(saved):
        slug = article_slug(name)
        if slug and name not in files:
            files[name] = (folder / f"{slug}.md", False)
    return files


def content_paths(config, saved=()):
    """``{saved name: path}`` of every content file, articles first."""
    paths = {name: path for name, (path, _home) in article_files(config, saved).items()}
    for setting, shipped in OTHER_FILES:
        paths[shipped.name] = content_file(config, setting, shipped)
    return paths


def is_deleted(saved, name):
    """True when ``name``'s newest saved revision is empty: a deleted article."""
    return name in saved and saved[name][1] == ""


class FileMistake(ContentError):
    """A ContentError met while reading one named content file."""

    def __init__(self, message, name):
        """Carry the message and the file's saved name (None: several files)."""
        super().__init__(message)
        self.name = name


def _relabel(error, path, label):
    """``error``'s message with the file's path at its start said as ``label``."""
    message, prefix = str(error), str(path)
    if label != prefix and message.startswith(prefix):
        message = label + message[len(prefix) :]
    return message


def _article_order(article):
    """Home first, then published newest first, then drafts (each by slug)."""
    if article.home:
        return (0, 0, article.slug)
    if article.draft:
        return (2, 0, article.slug)
    return (1, -article.published.toordinal(), article.slug)


def _the_home(articles, paths, saved, folder):
    """The one home article; a FileMistake names both homes, or the folder."""
    homes = [article for article in articles if article.home]
    if not homes:
        raise FileMistake(
            f"{folder}: {NO_HOME}",
            None,
        )
    if len(homes) > 1:
        # A saved revision that made a second home is the one left out.
        blamed = next(
            (a.file for a in reversed(homes) if a.file in saved), homes[-1].file
        )
        first, second = (str(paths[a.file]) for a in homes[:2])
        raise FileMistake(
            f"{first} and {second}: both say 'home: true'; "
            "only one article can be the page at /",
            blamed,
        )
    return homes[0]


def _placed(article, widgets):
    """``article`` with the widgets it shows (the home's default: show_after)."""
    if article.placements is not None:
        return article
    placements = ()
    if article.home:
        placements = tuple(
            (name, getattr(widgets, name).show_after) for name in WIDGET_NAMES
        )
    return dataclasses.replace(article, placements=placements)


def read_content(app, saved=None):
    """Every file read and validated, in the order each needs the one before.

    ``saved`` ({name: (revision id, text)}) is read instead of the files.
    """
    config, step, saved = app.config, {}, saved or {}
    articles_at = article_files(config, saved)
    paths = content_paths(config, saved)

    def reading(name, load):
        try:
            step[name] = load(paths[name])
        except ContentError as error:
            raise FileMistake(str(error), name) from None

    articles = []
    for name, (_path, home) in articles_at.items():
        if is_deleted(saved, name):
            continue
        if not home and article_slug(name) is None:
            raise FileMistake(
                f"{paths[name]}: an article's file name is its address: lowercase "
                f"letters, digits and hyphens, at most {SLUG_LIMIT}, then .md",
                name,
            )
        reading(name, lambda path, n=name, h=home: load_article(path, file=n, home=h))
        articles.append(step[name])
    home = _the_home(
        articles,
        {a.file: paths[a.file] for a in articles},
        saved,
        content_folder(config) / ARTICLES_DIR,
    )
    # widgets.yaml's show_after places the widgets of a home article that
    # names none of its own: only then must it name one of its sections.
    section_ids = None
    if home.placements is None:
        section_ids = [section.id for section in home.sections]
    reading(WIDGETS_FILE.name, lambda p: load_widgets(p, section_ids=section_ids))
    widgets = step[WIDGETS_FILE.name]
    techniques = widgets.techniques.items
    reading(
        PRACTICE_FILE.name,
        lambda path: load_practice(
            path,
            static_folder=app.static_folder,
            technique_ids=[technique.id for technique in techniques],
            settings=config,
        ),
    )
    name = step[PRACTICE_FILE.name].name
    reading(PRIVACY_FILE.name, lambda path: load_privacy(config, path, name))
    articles = sorted((_placed(a, widgets) for a in articles), key=_article_order)
    return {
        "article": articles[0],
        "articles": tuple(articles),
        "widgets": widgets,
        "privacy": step[PRIVACY_FILE.name],
        "practice": step[PRACTICE_FILE.name],
    }


def _read_with(app, saved):
    """``read_content`` with ``saved`` ({name: (id, text)}) read instead of files.

    A mistake in a saved text names the file and its revision
    ("practice.yaml (revision 12): ..."), a candidate's (id None) its name.
    """
    paths = content_paths(app.config, saved)
    by_path = {
        str(paths[name]): revision for name, revision in saved.items() if name in paths
    }
    try:
        with saved_texts(by_path):
            return read_content(app, saved)
    except FileMistake as error:
        if error.name in saved:
            revision_id = saved[error.name][0]
            label = error.name
            if revision_id is not None:
                label = f"{error.name} (revision {revision_id})"
            error.args = (_relabel(error, paths[error.name], label),)
        raise


def load_saved_content(app, saved):
    """``(content, skipped)``: the files read with ``saved``'s words where they fit.

    ``skipped`` is ``{name: warning}`` for each revision left out, the
    folder's file shown instead. A mistake in a folder's file itself is
    raised, as at start-up without revisions.
    """
    names = content_paths(app.config, saved)
    saved = {name: saved[name] for name in names if name in saved}
    skipped = {}
    while True:
        using = {name: rev for name, rev in saved.items() if name not in skipped}
        try:
            return _read_with(app, using), skipped
        except FileMistake as error:
            if error.name in using:
                skipped[error.name] = no_longer_fits(
                    error.name, using, error, names[error.name]
                )
            elif using:
                # The folder's file does not fit the saved words of another
                # (a section removed): the folder's words everywhere.
                for name in using:
                    skipped[name] = no_longer_fits(name, using, error, names[name])
            else:
                raise


def no_longer_fits(name, saved, error, path=None):
    """The warning for a saved revision the site cannot show."""
    instead = "the file in the content folder is shown"
    if path is not None and not Path(path).exists():
        instead = "the article is not shown"  # written in the editor: no file
    return (
        f"{name}: saved revision {saved[name][0]} no longer fits this version of "
        f"the site: {error}; {instead}"
    )


def check_candidate(app, name, text, saved):
    """Raise a ContentError unless ``text`` as file ``name`` loads with the rest.

    The other files are read as the site reads them (``saved``, the newest
    revisions, where they fit); the error names the file and the key, as at
    start-up.
    """
    check_candidates(app, {name: text}, saved)


def check_candidates(app, texts, saved):
    """``check_candidate`` for several files saved together ({name: text})."""
    current = {other: rev for other, rev in saved.items() if other not in texts}
    _content, skipped = load_saved_content(app, current)
    using = {other: rev for other, rev in current.items() if other not in skipped}
    _read_with(app, {**using, **{name: (None, text) for name, text in texts.items()}})
