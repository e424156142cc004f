"""The owner's notes on the timeline: a day and one line of plain text."""

import datetime

from ..core.calendar import EARLIEST, NOTE_DAYS_AHEAD
from ..core.db import immediate
from ..core.text import clean_text
from ..tracking.vocabulary import local_today

# A note is a line on a chart, not a diary entry.
MAX_NOTE_LENGTH = 200


class NoteError(ValueError):
    """A note that cannot be stored or found, with the owner's message."""

    def __init__(self, message, field=None):
        super().__init__(message)
        # The form field at fault ("day" or "text"), for aria-invalid.
        self.field = field


def notes_between(db, start, end):
    """The notes of ``start``..``end`` as ``[{"id", "day", "text"}]``, oldest first."""
    if not db["notes"].exists():
        return []
    return [
        {"id": row[0], "day": row[1], "text": row[2]}
        for row in db.execute(
            "select id, day, text from notes where day between ? and ?"
            " order by day, id",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
    ]


def day_of(value):
    """A note's day from ``YYYY-MM-DD``; ValueError with a readable message."""
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2025-03-18") from None


def note_text(value):
    """``value`` as a note's one clean line, capped; NoteError when empty."""
    text = clean_text(value, MAX_NOTE_LENGTH)
    if not text:
        raise NoteError("Write a few words for the note.", "text")
    return text


def note_days(today):
    """The first and last day a note may have: those the dashboard can show."""
    return EARLIEST, today + datetime.timedelta(days=NOTE_DAYS_AHEAD)


def note_day(value, today):
    """A note's day from ``YYYY-MM-DD`` (strictly), one a chart shows; or NoteError."""
    raw = str(value or "").strip()
    # fromisoformat also takes "20250318" and week dates: ask for one spelling.
    message = f"“{clean_text(raw, 40)}” is not a date like 2025-03-18."
    if not raw:
        message = "Choose the note's day (a date like 2025-03-18)."
    if len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
        raise NoteError(message, "day")
    try:
        day = day_of(raw)
    except ValueError:
        raise NoteError(message, "day") from None
    earliest, latest = note_days(today)
    if not earliest <= day <= latest:
        raise NoteError(
            f"Choose a day from {earliest.isoformat()} to {latest.isoformat()}:"
            " the dashboard shows no other days.",
            "day",
        )
    return day


def add_note(db, day, text, now=None, today=None):
    """Store a note (day and text checked and cleaned); return its id."""
    day, text = note_day(day, today or local_today()), note_text(text)
    now = now or datetime.datetime.now(datetime.UTC)
    with immediate(db):
        cursor = db.execute(
            "insert into notes (day, text, created_at) values (?, ?, ?)",
            [day.isoformat(), text, now.isoformat(timespec="seconds")],
        )
    return cursor.lastrowid


def get_note(db, note_id):
    """One note as ``{"id", "day", "text"}``, or None."""
    row = db.execute(
        "select id, day, text from notes where id = ?", [note_id]
    ).fetchone()
    return None if row is None else {"id": row[0], "day": row[1], "text": row[2]}


def delete_note(db, note_id):
    """Delete one note; return it, or raise NoteError when there is none."""
    with immediate(db):
        note = get_note(db, note_id)
        if note is None:
            raise NoteError(f"There is no note {note_id}.")
        db.execute("delete from notes where id = ?", [note_id])
    return note


def recent_notes(db, since=None):
    """Every note (or those from ``since`` on), oldest first."""
    start = since or datetime.date.min
    return notes_between(db, start, datetime.date.max)
