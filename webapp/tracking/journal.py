"""The journal: each request's events on disk before its response goes out.

Every worker process appends one line per request to a file of its own, with
one ``write()``: once it returns, the kernel keeps the line even if the
process is killed the next instant (no ``fsync``: power loss is outside the
promise, see the README). writer.py then moves the lines into SQLite and
trims the journal; lines of a process that died are replayed by the next one.

Files live in ``JOURNAL_DIR`` (default: ``journal-<database file name>``
beside the database), folder 0700, files 0600, named ``<pid>-<random>.journal`` so a
reused pid never meets an old file; journal_folder.py refuses a folder or file
that is not this user's alone. Each starts with a fixed-size header whose
counter says how many events were dropped because the journal was full. The
owner holds an ``flock`` on its file for as long as it lives: a file whose
lock can be taken belongs to a dead process.

The cap (``JOURNAL_MAX_BYTES``) is for the whole folder, files of live and
dead processes alike, so that recycled workers (each a new process) do not
each bring a new allowance while the database is locked. Looking at the
folder on every request would cost a directory listing each time, so a
process looks when it opens its file, each time its file has grown by
``step`` bytes (``LOOK_EVERY_BYTES``, at most 1/64 of the cap), and, while
it finds the folder full, at most once a second (so it starts again once
the files are stored). Between two looks a process sees its own growth
exactly and the others' as they were, so the folder holds at most
``JOURNAL_MAX_BYTES + W * (step + L)`` bytes of journal, W being the
processes writing at once and L the longest line a request writes, plus a
header (42 bytes) for each file a new process opens while the folder is
full (it needs one to count what it drops). With the defaults and gunicorn's
3 workers: 64 MiB + 3 * (256 KiB + a few KB).

A line holds only what the events table keeps (see store.py ``Entry``): no
IP address, no User-Agent, only a pseudonym for the day.
"""

import contextlib
import fcntl
import json
import os
import secrets
import threading
import time
from pathlib import Path

from .journal_folder import JournalRefused, folder_of, journal_bytes, open_folder
from .store import Entry
from .vocabulary import CALL, CLICK, VIEW, WIDGET

# At most this many bytes of journal files, all processes' together, wait in
# the folder; past that, events are dropped and counted. 64 MB is some
# 300,000 events, days of traffic for a site this size.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# How far a process's file grows between two looks at the folder's total (see
# above): at most this, and at most this share of the cap. 256 KiB is some
# 1,000 requests: one directory listing per thousand requests.
LOOK_EVERY_BYTES = 256 * 1024
CAP_SHARE = 64
# While the folder is full, how often a process looks again for room.
FULL_LOOK_SECONDS = 1.0
# After a refused folder (reported once), how long appends skip it before
# checking it again: a fixed folder is used again without a restart.
REFUSED_RETRY_SECONDS = 10.0
# A journal that has been fully stored is replaced by a fresh file once it is
# this big (or holds 1/CAP_SHARE of the cap: stored lines count against the
# cap until then), so the file never grows without end, or this old, so that
# stored lines (a day's pseudonyms) do not stay on disk past the hour.
ROTATE_BYTES = 1024 * 1024
ROTATE_SECONDS = 3600
# The header: a fixed width, so that the dropped counter is rewritten in place.
HEADER = b"#events-journal v1 dropped=%020d\n"
HEADER_SIZE = len(HEADER % 0)
COUNTER_AT = HEADER.index(b"%")
# Keys of the journal lines (short: the line is written on every request).
EVENT_FIELDS = frozenset({"kind", "placement", "widget", "detail"})
KINDS = frozenset({VIEW, CLICK, WIDGET, CALL})


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
        # At least a byte: a process that only drops does not look each time.
        self.step = max(1, min(LOOK_EVERY_BYTES, max_bytes // CAP_SHARE))
        self.lock = threading.Lock()
        self.fd = self.folder_fd = None
        self.path = None
        self.size = 0
        self.consumed = 0  # how far the writer has stored this file
        self.dropped = 0
        self.recorded_dropped = 0  # what the writer has counted in the database
        self.others = 0  # the folder's other journal files at the last look
        self.looked_at = 0  # this file's size then
        self.looked_when = 0.0
        self.retry_at = 0.0  # a refused folder is not checked again before this
        self._torn = False

    def _open(self):
        """Create, lock and name a fresh file (the caller holds ``lock``)."""
        folder_fd = open_folder(self.folder, create=True)
        name = f"{os.getpid()}-{secrets.token_hex(8)}.journal"
        # Made under a name replays ignore, locked, then renamed: a replaying
        # process never sees a file that is not yet locked by its owner.
        temporary = f".{name}.new"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(temporary, flags, 0o600, dir_fd=folder_fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.write(fd, HEADER % 0)
                os.rename(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            except BaseException:
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=folder_fd)
                raise
        except BaseException:
            os.close(folder_fd)
            raise
        if self.folder_fd is not None:
            os.close(self.folder_fd)
        # The folder stays open: looks at it never follow a path swapped since.
        self.fd, self.folder_fd, self.path = fd, folder_fd, self.folder / name
        self.opened = time.monotonic()
        self.size = self.consumed = HEADER_SIZE
        self.dropped = self.recorded_dropped = 0
        self._torn = False
        self._look()

    def _look(self):
        """Add up the folder's other journal files (the cap is for them all)."""
        with contextlib.suppress(OSError):
            self.others = journal_bytes(self.folder_fd, skip=self.path.name)
        self.looked_at = self.size
        self.looked_when = time.monotonic()

    def append(self, line, events=1):
        """Write whole lines with one ``write()``; False if dropped (full).

        ``events`` is how many events the lines hold: what a drop counts.
        Raises JournalRefused when the folder is found not to be ours alone
        (then returns False, without looking, for REFUSED_RETRY_SECONDS).
        """
        with self.lock:
            if self.fd is None:
                if time.monotonic() < self.retry_at:
                    return False
                try:
                    self._open()
                except JournalRefused:
                    self.retry_at = time.monotonic() + REFUSED_RETRY_SECONDS
                    raise
            # No system call unless a look is due: sizes are kept in memory.
            if self.size - self.looked_at >= self.step:
                self._look()
            if self.others + self.size + len(line) > self.max_bytes:
                if time.monotonic() - self.looked_when >= FULL_LOOK_SECONDS:
                    self._look()  # stored and removed files make room again
                if self.others + self.size + len(line) > self.max_bytes:
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
            big = min(ROTATE_BYTES, self.max_bytes // CAP_SHARE)
            if self.size < big and young:
                return None
            old = (self.fd, self.path)
            self._open()
            return old

    def close(self):
        """Close the file (its lock goes with it); it is then a dead process's."""
        with self.lock:
            fd, self.fd = self.fd, None
            folder_fd, self.folder_fd = self.folder_fd, None
            for opened in (fd, folder_fd):
                if opened is not None:
                    os.close(opened)


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


def forget_after_fork():
    """A forked child owns none of its parent's files (nor their locks)."""
    for journal in _journals.values():
        for fd in (journal.fd, journal.folder_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
    _journals.clear()
    global _journals_lock
    _journals_lock = threading.Lock()
