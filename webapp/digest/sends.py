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
"""

import datetime
import re

from ..core.db import immediate

SENDING, SENT, FAILED = "sending", "sent", "failed"
HISTORY_COLUMNS = ("week", "attempted_at", "recipients", "status", "detail", "forced")
# Anything shaped like an e-mail address in a server's reply is blotted out.
ADDRESS = re.compile(r"[^\s<>()\"',;:]+@[^\s<>()\"',;:]+")


class NotSending(Exception):
    """No send for this week now: already sent, or an earlier send's fate unknown."""

    def __init__(self, message, *, failed):
        """``failed`` is False for "already sent" (a success), True otherwise."""
        super().__init__(message)
        self.failed = failed


def scrub(text):
    """``text`` without e-mail addresses, on one line, at most 300 characters."""
    return " ".join(ADDRESS.sub("<address>", str(text)).split())[:300]


def _now():
    """The current UTC time, to the second, as ISO text."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def claim(db, week, recipients, *, forced=False, detail=""):
    """Record a send of ``week`` (ISO Monday) as started; return its row id.

    Unless ``forced``, raise NotSending when the week's letter was sent or
    an earlier send never recorded its result.
    """
    with immediate(db):
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
        cursor = db.execute(
            "INSERT INTO digest_sends (week, attempted_at, recipients, status, "
            "detail, forced) VALUES (?, ?, ?, ?, ?, ?)",
            [week, _now(), recipients, SENDING, scrub(detail), int(forced)],
        )
        return cursor.lastrowid


def finish(db, send_id, status, detail=""):
    """Write a claimed send's result (``sent`` or ``failed``) and its detail."""
    with immediate(db):
        db.execute(
            "UPDATE digest_sends SET status = ?, detail = ? WHERE id = ?",
            [status, scrub(detail), send_id],
        )


def history(db, limit=10):
    """The latest sends as dicts, newest first."""
    return [
        dict(zip(HISTORY_COLUMNS, row, strict=True))
        for row in db.execute(
            "SELECT week, attempted_at, recipients, status, detail, forced "
            "FROM digest_sends ORDER BY id DESC LIMIT ?",
            [limit],
        )
    ]
