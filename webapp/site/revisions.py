"""The owner's saved words: each save of a content file is a revision in SQLite.

The site shows each file's newest revision, else the content folder's file
(site/loading.py). Revisions live in the database, so backups, the offsite
copy and restores carry them and an upgrade never touches them. A save is
checked first against the same models as start-up; every worker looks at
``content_version`` at most every ``LOOK_EVERY`` seconds and reloads the
content when it changed (``ContentWatch``), so a save shows without a restart.
"""

import datetime
import logging
import re
import sqlite3
import threading
import time
from pathlib import Path

import sqlite_utils
from flask import current_app, has_app_context

from ..core.db import immediate
from ..core.text import clean_text
from .content import ContentError, read_text
from .loading import (
    FILE_NAMES,
    LEGACY_HOME,
    article_files,
    article_slug,
    check_candidate,
    check_candidates,
    content_paths,
    is_deleted,
    load_saved_content,
)

TABLE = "content_revisions"
# The most text one file may hold, as UTF-8.
MAX_BYTES = 256 * 1024
# A note says what changed, in a line.
NOTE_LIMIT = 200
# How often (seconds, monotonic) a worker looks for a newer save.
LOOK_EVERY = 0.5

log = logging.getLogger(__name__)


def check_name(file):
    """``file`` if it names one of the content files, else a ContentError.

    The three files, any ``articles/<slug>.md``, and ``article.md`` where it
    is the home article (a legacy folder, ARTICLE_FILE).
    """
    if file in FILE_NAMES or article_slug(file):
        return file
    legacy = has_app_context() and LEGACY_HOME in content_paths(current_app.config)
    if file == LEGACY_HOME and legacy:
        return file
    raise ContentError(
        f"{file}: not one of the site's files "
        f"({', '.join(FILE_NAMES)} or articles/<name>.md)"
    )


def check_size(file, text):
    """Refuse a text over ``MAX_BYTES`` (a ContentError naming the file)."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ContentError(
            f"{file}: {size // 1024} KiB of text is too much: "
            f"at most {MAX_BYTES // 1024} KiB is kept"
        )


def save(db, file, text, note=""):
    """Check ``text`` as ``file`` and save it as the newest revision; its id.

    Nothing is saved when the text would not load as the site loads it: the
    ContentError names the file and the key, as at start-up.
    """
    check_name(file)
    check_size(file, text)
    check_candidate(current_app, file, text, newest_texts(db))
    return _insert(db, file, text, note)


def save_together(db, texts, note=""):
    """Save ``texts`` ({file: text}) as one change, checked together; their ids.

    For a change no file can make alone (another article becomes the home
    page: one loses ``home: true`` as the other gains it).
    """
    for file, text in texts.items():
        check_name(file)
        check_size(file, text)
    check_candidates(current_app, texts, newest_texts(db))
    with immediate(db):
        return [_insert(db, file, text, note) for file, text in texts.items()]


def _insert(db, file, text, note):
    """Store one revision, checked already; its id."""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    table = db[TABLE].insert(
        {
            "file": file,
            "text": text,
            "saved_at": now,
            "note": clean_text(note, NOTE_LIMIT),
        }
    )
    # The worker that saved shows the words at its very next request (the
    # owner's "View the site"), not up to LOOK_EVERY later; others within it.
    watch = current_app.extensions.get("content_watch") if has_app_context() else None
    if watch is not None:
        watch.look_next()
    return table.last_pk


def history(db, file=None):
    """Revisions newest first (``id``, ``file``, ``saved_at``, ``note``)."""
    if not db[TABLE].exists():
        return []
    where, params = ("file = ?", [file]) if file else (None, None)
    rows = db[TABLE].rows_where(
        where, params, select="id, file, saved_at, note", order_by="id desc"
    )
    return list(rows)


def newest_texts(db):
    """``{file: (revision id, text)}``: each saved file's newest revision."""
    if not db[TABLE].exists():
        return {}
    rows = db.query(
        "SELECT file, id, text FROM content_revisions WHERE id IN "
        "(SELECT max(id) FROM content_revisions GROUP BY file)"
    )
    return {row["file"]: (row["id"], row["text"]) for row in rows}


def current_texts(app, db):
    """``{file: (revision id or None, text)}``: the words the site shows now.

    Every article the site has (a deleted one is left out), then the three
    other files.
    """
    saved = newest_texts(db)
    _content, skipped = load_saved_content(app, saved)
    using = {name: rev for name, rev in saved.items() if name not in skipped}
    return {
        name: using[name] if name in using else (None, read_text(path))
        for name, path in content_paths(app.config, using).items()
        if not is_deleted(using, name)
    }


def revert(db, file, revision_id):
    """Save revision ``revision_id`` of ``file`` again as the newest; its new id."""
    check_name(file)
    rows = []
    if db[TABLE].exists():
        rows = list(db[TABLE].rows_where("id = ? AND file = ?", [revision_id, file]))
    if not rows:
        raise ContentError(f"{file}: there is no saved revision {revision_id}")
    return save(db, file, rows[0]["text"], f"restored revision {revision_id}")


# A front matter without a ``home:`` line (an article.md saved before there
# were several articles was home without saying so).
FRONT_MATTER_START = re.compile(r"\A---\n")
HOME_LINE = re.compile(r"^home:", re.MULTILINE)


def adopt_legacy_home(app, db):
    """Make the versions saved as ``article.md`` the home article's; how many.

    Before there were several articles, the owner's edits of the one article
    were saved as ``article.md``. A folder with ``articles/`` (a clone, once
    updated) no longer reads that name: when its home article has no saved
    version of its own, those versions become its own, each saying
    ``home: true`` as the file name said before, so its history, its
    restores and the page show them.
    """
    if LEGACY_HOME in article_files(app.config) or not db[TABLE].exists():
        return 0
    home = app.extensions["content"]["article"].file
    with immediate(db):
        if db[TABLE].count_where("file = ?", [home]):
            return 0
        rows = list(db[TABLE].rows_where("file = ?", [LEGACY_HOME], select="id, text"))
        for row in rows:
            text = row["text"]
            end = text.find("\n---", 3)
            if text and end > 0 and not HOME_LINE.search(text[:end]):
                text = FRONT_MATTER_START.sub("---\nhome: true\n", text, count=1)
            db[TABLE].update(row["id"], {"file": home, "text": text})
    return len(rows)


def content_version(db):
    """The newest revision's id (any file): 0 with none, or without the table."""
    try:
        return db.execute("SELECT max(id) FROM content_revisions").fetchone()[0] or 0
    except sqlite3.OperationalError:  # a database not yet migrated
        return 0


def open_for_reading(path):
    """The database at ``path`` to read from, or None while it does not exist."""
    if not Path(path).exists():
        return None
    # mode=rw never creates the file; not mode=ro, which would leave the
    # -wal and -shm files behind that only a writer removes on closing.
    uri = f"{Path(path).resolve().as_uri()}?mode=rw"
    return sqlite_utils.Database(sqlite3.connect(uri, uri=True, timeout=1))


def saved_words(config):
    """``(version, newest_texts)`` of the database; ``(0, {})`` without one."""
    try:
        db = open_for_reading(config["DATABASE"])
        if db is None:
            return 0, {}
        try:
            return content_version(db), newest_texts(db)
        finally:
            db.conn.close()
    except sqlite3.Error as error:
        # Start-up must not stop here: the folder's words are shown.
        log.warning("saved words not read (%s); the content folder's are shown", error)
        return 0, {}


class ContentWatch:
    """Reload the content when a newer revision was saved (any worker, any file).

    Called before each request: it reads the database at most every
    ``LOOK_EVERY`` seconds, and never keeps a request waiting for another
    thread's look.
    """

    def __init__(self, app, reload):
        """Watch ``app``'s database; ``reload()`` loads the content again."""
        self.app = app
        self.reload = reload
        self._next_look = time.monotonic() + LOOK_EVERY
        self._lock = threading.Lock()

    def look_next(self):
        """Look at the next request: this worker saved words itself just now."""
        self._next_look = 0.0

    def __call__(self):
        """Look for a newer save if it is time to; reload when there is one."""
        if time.monotonic() < self._next_look:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._next_look = time.monotonic() + LOOK_EVERY
            self._look()
        finally:
            self._lock.release()

    def _look(self):
        """Reload if the database's version is not the one loaded."""
        extensions = self.app.extensions
        try:
            db = open_for_reading(self.app.config["DATABASE"])
            if db is None:
                return
            try:
                version = content_version(db)
            finally:
                db.conn.close()
            if version != extensions.get("content_version"):
                extensions["content_version"] = version  # tried once, not again
                self.reload()
        except (sqlite3.Error, ContentError) as error:
            # The words already shown stay; a folder file's mistake is flask
            # check's to report.
            log.warning("saved words not reloaded: %s", error)
        except Exception:  # never a reader's request failed by a reload
            log.exception("saved words not reloaded")
