"""Each weekly letter's send in ``digest_sends``: at most once a week.

A send is claimed before the SMTP conversation (a ``sending`` row, in one
``BEGIN IMMEDIATE`` transaction that first checks no letter went out for the
week) and its result is written after it (``sent`` or ``failed``, the same
row). The write lock is never held while talking to the mail server.

The crash window: a process that dies after the server took the message but
before ``sent`` is written leaves a ``sending`` row. The next run cannot know
whether the letter arrived, so it does not send again (never twice) and fails
with one line saying so (never silently): ``--force`` sends it again. Only
counts are stored, never an address.

"Send me a copy" claims with ``spaced=True``: it is refused (``TooSoon``)
while any send was tried less than ``COPY_SPACING`` seconds ago. The check
and the claim are one write transaction on the shared database, so every
worker process keeps the same pace: one copy a minute for the whole site.
"""

import datetime
import re

from ..core.db import immediate

SENDING, SENT, FAILED = "sending", "sent", "failed"
# Seconds between sends from the preview page ("Send me a copy").
COPY_SPACING = 60
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Anything shaped like an e-mail address in a server's reply is blotted out.
ADDRESS = re.compile(r"[^\s<>()\"',;:]+@[^\s<>()\"',;:]+")


class NotSending(Exception):
    """No send for this week now: already sent, or an earlier send's fate unknown."""

    def __init__(self, message, *, failed):
        """``failed`` is False for "already sent" (a success), True otherwise."""
        super().__init__(message)
        self.failed = failed


class TooSoon(NotSending):
    """A copy asked for within COPY_SPACING seconds of the last send."""

    def __init__(self, ago, wait):
        """``ago``: seconds since the last send; ``wait``: seconds still to wait."""
        super().__init__(
            f"the last send was {_seconds(ago)} ago, and copies go out at most "
            f"once a minute: try again in {_seconds(wait)}",
            failed=False,
        )
        self.wait = wait


def _seconds(count):
    """``1 second``, ``42 seconds``."""
    return f"{count} second{'s' if count != 1 else ''}"


def scrub(text):
    """``text`` without e-mail addresses, on one line, at most 300 characters."""
    return " ".join(ADDRESS.sub("<address>", str(text)).split())[:300]


def _now():
    """The current UTC time, to the second."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _too_soon(db, now):
    """Raise TooSoon if any send was tried less than COPY_SPACING seconds ago."""
    row = db.execute("SELECT max(attempted_at) FROM digest_sends").fetchone()
    if not row or not row[0]:
        return
    try:
        last = datetime.datetime.strptime(row[0], TIME_FORMAT)
    except ValueError:
        return  # not written by us: no pace to keep
    ago = int((now - last.replace(tzinfo=datetime.UTC)).total_seconds())
    if 0 <= ago < COPY_SPACING:
        raise TooSoon(ago, COPY_SPACING - ago)


def claim(db, week, recipients, *, forced=False, detail="", spaced=False):
    """Record a send of ``week`` (ISO Monday) as started; return its row id.

    Unless ``forced``, raise NotSending when the week's letter was sent or
    an earlier send never recorded its result. When ``spaced`` (a copy from
    the preview page), raise TooSoon while the last send is too recent.
    """
    with immediate(db):
        now = _now()  # once the write lock is ours: no other send can come between
        if spaced:
            _too_soon(db, now)
        if not forced:
            row = db.execute(
                "SELECT status, attempted_at FROM digest_sends WHERE week = ? "
                "AND status IN (?, ?) ORDER BY id DESC LIMIT 1",
                [week, SENT, SENDING],
            ).fetchone()
            if row and row[0] == SENT:
                raise NotSending(
                    f"the letter for the week of {week} was already sent "
                    f"({row[1]}); --force sends it again",
                    failed=False,
                )
            if row:
                raise NotSending(
                    f"a send of the letter for the week of {week} started at {row[1]} "
                    "and never recorded its result (stopped mid-send, or still "
                    "running): it may have arrived; check the inbox, then "
                    "--send --force sends it again",
                    failed=True,
                )
        row = {
            "week": week,
            "attempted_at": now.strftime(TIME_FORMAT),
            "recipients": recipients,
            "status": SENDING,
            "detail": scrub(detail),
            "forced": int(forced),
        }
        return db["digest_sends"].insert(row).last_pk


def finish(db, send_id, status, detail=""):
    """Write a claimed send's result (``sent`` or ``failed``) and its detail."""
    with immediate(db):
        db.execute(
            "UPDATE digest_sends SET status = ?, detail = ? WHERE id = ?",
            [status, scrub(detail), send_id],
        )


def history(db, limit=10):
    """The latest sends as dicts, newest first."""
    return list(
        db.query(
            "SELECT week, attempted_at, recipients, status, detail, forced "
            "FROM digest_sends ORDER BY id DESC LIMIT ?",
            [limit],
        )
    )
