"""The journal: each request's events on disk before its response goes out.

Every worker process appends one line per request to a file of its own, with
one ``write()``: once it returns, the kernel keeps the line even if the
process is killed the next instant (no ``fsync``: power loss is outside the
promise, see the README). writer.py then moves the lines into SQLite and
trims the journal; lines of a process that died are replayed by the next one.

Files live in ``JOURNAL_DIR`` (default: ``journal-<database file name>``
beside the database), folder 0700, files 0600, named ``<pid>-<random>.journal`` so a
reused pid never meets an old file. Each starts with a fixed-size header
whose counter says how many events were dropped because the journal was full
(``JOURNAL_MAX_BYTES`` waiting). The owner holds an ``flock`` on its file for
as long as it lives: a file whose lock can be taken belongs to a dead process.

A line holds only what the events table keeps (see store.py ``Entry``): no
IP address, no User-Agent, only a pseudonym for the day.
"""

import contextlib
import fcntl
import json
import os
import re
import secrets
import threading
import time
from pathlib import Path

from .store import Entry
from .vocabulary import CLICK, VIEW, WIDGET

# At most this many bytes of one process's journal wait for the database; past
# that, events are dropped and counted. 64 MB is some 300,000 events, days of
# traffic for a site this size.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# A journal that has been fully stored is replaced by a fresh file once it is
# this big, so the file never grows without end, or this old, so that stored
# lines (a day's pseudonyms) do not stay on disk past the hour.
ROTATE_BYTES = 1024 * 1024
ROTATE_SECONDS = 3600
# The header: a fixed width, so that the dropped counter is rewritten in place.
HEADER = b"#events-journal v1 dropped=%020d\n"
HEADER_SIZE = len(HEADER % 0)
COUNTER_AT = HEADER.index(b"%")
FILE_NAME = re.compile(r"^\d+-[0-9a-f]{16}\.journal$")
# Keys of the journal lines (short: the line is written on every request).
EVENT_FIELDS = frozenset({"kind", "placement", "widget", "detail"})
KINDS = frozenset({VIEW, CLICK, WIDGET})


def folder_of(config):
    """Where the journal files of an app live (``JOURNAL_DIR`` or beside the DB)."""
    if config.get("JOURNAL_DIR"):
        return config["JOURNAL_DIR"]
    # Not "<name>-journal" (SQLite's own rollback journal) nor a name starting
    # with the database's, which tools take for the database's own files.
    database = Path(config["DATABASE"])
    return str(database.with_name(f"journal-{database.name}"))


# --- Lines ---------------------------------------------------------------------------


def encode(entry):
    """One journal line (bytes, ending in a newline) for an entry."""
    data = {"t": round(entry.at, 3), "e": entry.events}
    if entry.reason is not None:
        data["r"] = entry.reason
    else:
        data.update(
            p=entry.page,
            h=entry.referrer_host,
            u=entry.utm,
            d=entry.device,
            b=entry.browser,
            v=entry.pseudonym,
        )
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


def decode(line):
    """The entry a journal line holds; ValueError for a line that is not one."""
    data = json.loads(line)
    if not isinstance(data, dict) or not isinstance(data.get("t"), int | float):
        raise ValueError("not a journal entry")
    events = data.get("e")
    if not isinstance(events, list) or not events:
        raise ValueError("no events")
    for event in events:
        if (
            not isinstance(event, dict)
            or event.get("kind") not in KINDS
            or not set(event) <= EVENT_FIELDS
            or not all(isinstance(value, str) for value in event.values())
        ):
            raise ValueError("not an event")
    reason = data.get("r")
    utm = data.get("u") or {}
    texts = [data.get(key, "") for key in "phdbv"]
    if not isinstance(utm, dict) or not all(
        isinstance(value, str) for value in (*texts, *utm.values())
    ):
        raise ValueError("not a journal entry")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("not a reason")
    page, referrer_host, device, browser, pseudonym = texts
    return Entry(
        data["t"], reason, page, referrer_host, utm, device, browser, pseudonym, events
    )


def dropped_in(fd):
    """The dropped counter in the header of an open journal file (0 if unreadable)."""
    header = os.pread(fd, HEADER_SIZE, 0)
    try:
        return int(header[COUNTER_AT : HEADER_SIZE - 1])
    except ValueError:
        return 0


# --- This process's own file ---------------------------------------------------------


class Journal:
    """This process's journal file in one folder: appended to, locked while alive."""

    def __init__(self, folder, max_bytes=DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.fd = None
        self.path = None
        self.size = 0
        self.consumed = 0  # how far the writer has stored this file
        self.dropped = 0
        self.recorded_dropped = 0  # what the writer has counted in the database
        self._torn = False

    def _open(self):
        """Create, lock and name a fresh file (the caller holds ``lock``)."""
        with contextlib.suppress(FileExistsError):
            self.folder.mkdir(mode=0o700)  # not its parents: a missing one is wrong
        name = f"{os.getpid()}-{secrets.token_hex(8)}.journal"
        # Made under a name replays ignore, locked, then renamed: a replaying
        # process never sees a file that is not yet locked by its owner.
        temporary = self.folder / f".{name}.new"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        fd = os.open(temporary, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, HEADER % 0)
            os.rename(temporary, self.folder / name)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        self.fd, self.path = fd, self.folder / name
        self.opened = time.monotonic()
        self.size = self.consumed = HEADER_SIZE
        self.dropped = self.recorded_dropped = 0
        self._torn = False

    def append(self, line, events=1):
        """Write whole lines with one ``write()``; False if dropped (full).

        ``events`` is how many events the lines hold: what a drop counts.
        """
        with self.lock:
            if self.fd is None:
                self._open()
            if self.size - self.consumed + len(line) > self.max_bytes:
                self.dropped += events
                os.pwrite(self.fd, b"%020d" % self.dropped, COUNTER_AT)
                return False
            if self._torn:
                # An earlier write stopped halfway: end that torn line first.
                line = b"\n" + line
            written = os.pwrite(self.fd, line, self.size)
            self.size += written
            self._torn = written < len(line)
            if self._torn:
                raise OSError(f"journal write cut short ({written} of {len(line)})")
            return True

    def rotate_if_done(self):
        """A fresh file if this one is fully stored and big or old; return the old.

        Returns ``(fd, path)`` of the retired file (still locked, for the
        caller to unlink before closing), or None.
        """
        with self.lock:
            if self.fd is None or self.consumed < self.size:
                return None
            if self.size == HEADER_SIZE:
                return None  # nothing in it yet
            young = time.monotonic() - self.opened < ROTATE_SECONDS
            if self.size < ROTATE_BYTES and young:
                return None
            old = (self.fd, self.path)
            self._open()
            return old

    def close(self):
        """Close the file (its lock goes with it); it is then a dead process's."""
        with self.lock:
            fd, self.fd = self.fd, None
            if fd is not None:
                os.close(fd)


_journals = {}
_journals_lock = threading.Lock()
# A process (a test run) that serves many apps keeps this many files open at
# most; a closed one is replayed like a dead process's.
MAX_OPEN = 16


def journal_for(config):
    """This process's journal for an app's config, opened on first use."""
    # Keyed by the settings themselves: this runs on every tracked request.
    key = (config.get("JOURNAL_DIR"), config["DATABASE"])
    journal = _journals.get(key)
    if journal is None:
        with _journals_lock:
            journal = _journals.get(key)
            if journal is None:
                if len(_journals) >= MAX_OPEN:
                    _journals.pop(next(iter(_journals))).close()
                max_bytes = config.get("JOURNAL_MAX_BYTES", DEFAULT_MAX_BYTES)
                journal = Journal(folder_of(config), int(max_bytes))
                _journals[key] = journal
    return journal


def _forget_after_fork():
    """A forked child owns none of its parent's files (nor their locks)."""
    for journal in _journals.values():
        if journal.fd is not None:
            with contextlib.suppress(OSError):
                os.close(journal.fd)
    _journals.clear()
    global _journals_lock
    _journals_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


# --- Files of dead processes -------------------------------------------------------


def claim_dead(folder, skip=()):
    """Lock and return ``(fd, path)`` for each journal file whose owner is dead.

    A file is dead when its lock can be taken; one that was unlinked meanwhile
    (stored and removed by whoever held it) is passed over.
    """
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    claimed = []
    for name in names:
        path = Path(folder) / name
        if not FILE_NAME.match(name) or path in skip:
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_nlink == 0:
                raise BlockingIOError("already replayed and removed")
        except OSError:
            os.close(fd)
            continue
        claimed.append((fd, path))
    return claimed


def file_names(folder):
    """The journal file names in ``folder`` right now."""
    try:
        return {name for name in os.listdir(folder) if FILE_NAME.match(name)}
    except OSError:
        return set()
