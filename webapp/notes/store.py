"""The owner's notes on the timeline: a day and one line of plain text."""

import datetime

from ..core import calendar
from ..core.db import immediate
from ..core.text import clean_text

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


def note_text(value):
    """``value`` as a note's one clean line, capped; NoteError when empty."""
    text = clean_text(value, MAX_NOTE_LENGTH)
    if not text:
        raise NoteError("Write a few words for the note.", "text")
    return text


def latest_note_day(today):
    """The last day a note may have: the dashboard shows no later one."""
    return today + datetime.timedelta(days=calendar.NOTE_DAYS_AHEAD)


def add_note(db, day, text):
    """Store a note (day and text checked and cleaned); return it as stored."""
    latest = latest_note_day(calendar.today())
    try:
        day = calendar.parse_day(day, latest, "the note's day").isoformat()
    except calendar.DayError as problem:
        raise NoteError(str(problem), "day") from None
    text = note_text(text)
    now = datetime.datetime.now(datetime.UTC)
    with immediate(db):
        cursor = db.execute(
            "insert into notes (day, text, created_at) values (?, ?, ?)",
            [day, text, now.isoformat(timespec="seconds")],
        )
    return {"id": cursor.lastrowid, "day": day, "text": text}


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
