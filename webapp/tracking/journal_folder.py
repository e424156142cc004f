"""The journal folder and its files: used only when they are this user's alone.

A journal file is replayed into the database as if our own workers had
written it, so anyone who can put a file there can forge clicks. The folder
(``journal-<database>`` beside the database, or ``JOURNAL_DIR``) and every
file in it are therefore checked before use: not a symbolic link, owned by
the user the app runs as, no access for group or others (0700, 0600). The
folder is opened with ``O_NOFOLLOW`` and kept open; files are opened through
that folder's descriptor, also with ``O_NOFOLLOW``, so a path swapped after
the check is never followed. What fails is refused (``JournalRefused``) with
one warning per process (``report``); readers are never affected.
"""

import contextlib
import errno
import fcntl
import os
import re
import stat
from pathlib import Path

from ..core.checks import Result

FILE_NAME = re.compile(r"^\d+-[0-9a-f]{16}\.journal$")
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a planted FIFO must not hang the writer thread on open.
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
CHECK_NAME = "journal"


class JournalRefused(OSError):
    """The journal folder or a file in it is not this user's alone (says why)."""


def folder_of(config):
    """Where the journal files of an app live (``JOURNAL_DIR`` or beside the DB)."""
    if config.get("JOURNAL_DIR"):
        return config["JOURNAL_DIR"]
    # Not "<name>-journal" (SQLite's own rollback journal) nor a name starting
    # with the database's, which tools take for the database's own files.
    database = Path(config["DATABASE"])
    return str(database.with_name(f"journal-{database.name}"))


def refusal(info, folder):
    """Why a folder (file) with this ``lstat`` or ``fstat`` is not ours alone."""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if folder and not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if not folder and not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_uid != os.geteuid():
        return f"belongs to uid {info.st_uid}, not to this user (uid {os.geteuid()})"
    if info.st_mode & 0o077:
        mode, wanted = stat.S_IMODE(info.st_mode), "0700" if folder else "0600"
        return f"is open to group or others (mode {mode:04o}, not {wanted})"
    return None


def _folder_refused(folder, problem):
    """The refusal of a whole folder: what is wrong, what it costs, what to do."""
    return JournalRefused(
        f"Journal folder {folder} {problem}: refused, so events are neither "
        "journaled nor replayed from it (readers are not affected). Make it a "
        "folder of the site's user alone (mode 0700), or remove it and the site "
        f"makes one; and check who else can write to {Path(folder).parent}."
    )


def _file_refused(path, problem):
    """The refusal of one file in the folder: it is left alone, never replayed."""
    return JournalRefused(
        f"Journal file {path} {problem}: never replayed (the site's own are "
        "regular files of its user, mode 0600); left in place for you to look "
        "at, then remove."
    )


def open_folder(folder, create=False):
    """A descriptor of the journal folder once checked (made 0700 if ``create``).

    Raises JournalRefused for a folder that is a symbolic link, not a folder,
    or not ours alone; other OSErrors (missing, unwritable) as they come.
    """
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)  # not its parents: a missing one is wrong
    try:
        fd = os.open(folder, FOLDER_FLAGS)
    except OSError as error:
        if error.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        try:
            problem = refusal(os.lstat(folder), True) or "is not a folder"
        except OSError:
            problem = "is not a folder"
        raise _folder_refused(folder, problem) from None
    problem = refusal(os.fstat(fd), True)
    if problem:
        os.close(fd)
        raise _folder_refused(folder, problem)
    return fd


def journal_bytes(folder_fd, skip=None):
    """The size on disk of the journal files in an open folder (``skip`` aside).

    Only files we would replay count: a refused one is not journal.
    """
    total = 0
    with os.scandir(folder_fd) as entries:
        for entry in entries:
            if entry.name == skip or not FILE_NAME.match(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # replayed and removed meanwhile
            if refusal(info, False) is None:
                total += info.st_size
    return total


def claim_dead(folder, skip=(), on_refused=None):
    """Lock and return ``(fd, path)`` for each journal file whose owner is dead.

    A file is dead when its lock can be taken; one that was unlinked meanwhile
    (stored and removed by whoever held it) is passed over, and so is one that
    is not ours alone (``on_refused`` is told). Raises JournalRefused for a
    folder that is not ours alone; a missing folder holds nothing.
    """
    try:
        folder_fd = open_folder(folder)
    except JournalRefused:
        raise
    except OSError:
        return []  # no folder yet: nothing to replay
    claimed = []
    try:
        for name in sorted(os.listdir(folder_fd)):
            path = Path(folder) / name
            if not FILE_NAME.match(name) or path in skip:
                continue
            fd = _open_ours(folder_fd, path, on_refused)
            if fd is None:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(fd).st_nlink == 0:
                    raise BlockingIOError("already replayed and removed")
            except OSError:
                os.close(fd)
                continue
            claimed.append((fd, path))
    finally:
        os.close(folder_fd)
    return claimed


def _open_ours(folder_fd, path, on_refused):
    """A descriptor of one journal file if it is ours alone, else None."""
    try:
        fd = os.open(path.name, READ_FLAGS, dir_fd=folder_fd)
    except FileNotFoundError:
        return None  # replayed and removed meanwhile
    except OSError:
        # A symbolic link (ELOOP), or a file we may not even read.
        try:
            problem = refusal(os.lstat(path.name, dir_fd=folder_fd), False)
        except OSError:
            return None
        if problem and on_refused is not None:
            on_refused(_file_refused(path, problem))
        return None
    problem = refusal(os.fstat(fd), False)
    if problem:
        os.close(fd)
        if on_refused is not None:
            on_refused(_file_refused(path, problem))
        return None
    return fd


def file_names(folder):
    """The journal file names in ``folder`` right now (JournalRefused if not ours)."""
    try:
        folder_fd = open_folder(folder)
    except JournalRefused:
        raise
    except OSError:
        return set()
    try:
        return {name for name in os.listdir(folder_fd) if FILE_NAME.match(name)}
    finally:
        os.close(folder_fd)


_reported = set()


def report(app, error):
    """Log a refused folder or file once per process, as a warning."""
    text = str(error)
    if text not in _reported:
        _reported.add(text)
        app.logger.warning("%s", text)


def check_journal(config):
    """`flask check`: the journal folder, if it exists, and its files are ours alone."""
    folder = folder_of(config)
    try:
        folder_fd = open_folder(folder)
    except JournalRefused as error:
        return Result(CHECK_NAME, str(error), str(error))
    except FileNotFoundError:
        if not Path(folder).parent.is_dir():
            problem = f"journal folder {folder} cannot be made: its parent is missing"
            return Result(CHECK_NAME, problem, problem)
        return Result(CHECK_NAME, f"{folder} is made (0700) at the first request")
    except OSError as error:
        problem = f"journal folder {folder} cannot be opened ({error.strerror})"
        return Result(CHECK_NAME, problem, problem)
    refused = []
    try:
        for name in sorted(os.listdir(folder_fd)):
            if FILE_NAME.match(name):
                fd = _open_ours(folder_fd, Path(folder) / name, refused.append)
                if fd is not None:
                    os.close(fd)
        waiting = journal_bytes(folder_fd)
    finally:
        os.close(folder_fd)
    if refused:
        return Result(CHECK_NAME, str(refused[0]), str(refused[0]))
    return Result(CHECK_NAME, f"{folder} is this user's alone ({waiting:,} B of files)")
