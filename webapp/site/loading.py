"""Reading the four content files together, the owner's saved words first.

Each file is read from its newest saved revision (site/revisions.py) where
there is one, else from the content folder. A revision that no longer fits
this version of the site (an upgrade renamed a key) is skipped: that file is
read from the folder instead and the owner is told (``flask check``,
``migrate``); a revision never stops the site from starting.
"""

from .article import ARTICLE_FILE, load_article
from .content import CONTENT_DIR, ContentError, saved_texts
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
FILE_NAMES = tuple(shipped.name for _setting, shipped in CONTENT_FILES)


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


def content_paths(config):
    """``{file name: path}`` of the four content files."""
    return {
        shipped.name: content_file(config, setting, shipped)
        for setting, shipped in CONTENT_FILES
    }


class FileMistake(ContentError):
    """A ContentError met while reading one named content file."""

    def __init__(self, message, name):
        """Carry the message and the file name (article.md...)."""
        super().__init__(message)
        self.name = name


def _relabel(error, path, label):
    """``error``'s message with the file's path at its start said as ``label``."""
    message, prefix = str(error), str(path)
    if label != prefix and message.startswith(prefix):
        message = label + message[len(prefix) :]
    return message


def read_content(app, paths):
    """The four files read and validated, in the order each needs the one before."""
    config, step = app.config, {}

    def reading(name, load):
        try:
            step[name] = load(paths[name])
        except ContentError as error:
            raise FileMistake(str(error), name) from None

    reading(ARTICLE_FILE.name, load_article)
    section_ids = [section.id for section in step[ARTICLE_FILE.name].sections]
    reading(WIDGETS_FILE.name, lambda p: load_widgets(p, section_ids=section_ids))
    techniques = step[WIDGETS_FILE.name].techniques.items
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
    return {
        "article": step[ARTICLE_FILE.name],
        "articles": (step[ARTICLE_FILE.name],),
        "widgets": step[WIDGETS_FILE.name],
        "privacy": step[PRIVACY_FILE.name],
        "practice": step[PRACTICE_FILE.name],
    }


def _read_with(app, paths, saved):
    """``read_content`` with ``saved`` ({name: (id, text)}) read instead of files.

    A mistake in a saved text names the file and its revision
    ("practice.yaml (revision 12): ..."), a candidate's (id None) its name.
    """
    by_path = {str(paths[name]): revision for name, revision in saved.items()}
    try:
        with saved_texts(by_path):
            return read_content(app, paths)
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
    paths = content_paths(app.config)
    saved = {name: saved[name] for name in FILE_NAMES if name in saved}
    skipped = {}
    while True:
        using = {name: rev for name, rev in saved.items() if name not in skipped}
        try:
            return _read_with(app, paths, using), skipped
        except FileMistake as error:
            if error.name in using:
                skipped[error.name] = no_longer_fits(error.name, using, error)
            elif using:
                # The folder's file does not fit the saved words of another
                # (a section removed): the folder's words everywhere.
                for name in using:
                    skipped[name] = no_longer_fits(name, using, error)
            else:
                raise


def no_longer_fits(name, saved, error):
    """The warning for a saved revision the site cannot show."""
    return (
        f"{name}: saved revision {saved[name][0]} no longer fits this version of "
        f"the site: {error}; the file in the content folder is shown"
    )


def check_candidate(app, name, text, saved):
    """Raise a ContentError unless ``text`` as file ``name`` loads with the rest.

    The other files are read as the site reads them (``saved``, the newest
    revisions, where they fit); the error names the file and the key, as at
    start-up.
    """
    paths = content_paths(app.config)
    current = {
        other: revision
        for other, revision in saved.items()
        if other != name and other in paths
    }
    _content, skipped = load_saved_content(app, current)
    using = {other: rev for other, rev in current.items() if other not in skipped}
    _read_with(app, paths, {**using, name: (None, text)})
