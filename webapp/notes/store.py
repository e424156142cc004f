"""The owner's notes on the timeline: a day and one line of plain text."""

import datetime

from ..core import calendar
from ..core.db import immediate
from ..core.text import clean_text

# A note is a line on a chart, not a diary entry.
MAX_NOTE_LENGTH = 200
# How far ahead a note may be dated (a planned offer, a holiday): a year.
# Later days would sit outside every period the dashboard can show.
NOTE_DAYS_AHEAD = 366
SELECT_NOTES = "select id, day, text from notes"


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
    where = " where day between ? and ? order by day, id"
    return list(db.query(SELECT_NOTES + where, [start.isoformat(), end.isoformat()]))


def latest_note_day(today):
    """The last day a note may have: the dashboard shows no later one."""
    return today + datetime.timedelta(days=NOTE_DAYS_AHEAD)


def add_note(db, day, text):
    """Store a note (day and text checked and cleaned); return it as stored."""
    latest = latest_note_day(calendar.today())
    try:
        day = calendar.parse_day(day, latest, "the note's day").isoformat()
    except calendar.DayError as problem:
        raise NoteError(str(problem), "day") from None
    text = clean_text(text, MAX_NOTE_LENGTH)
    if not text:
        raise NoteError("Write a few words for the note.", "text")
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    with immediate(db):
        cursor = db.execute(
            "insert into notes (day, text, created_at) values (?, ?, ?)",
            [day, text, now],
        )
    return {"id": cursor.lastrowid, "day": day, "text": text}


def delete_note(db, note_id):
    """Delete one note; return it, or raise NoteError when there is none."""
    with immediate(db):
        found = list(db.query(SELECT_NOTES + " where id = ?", [note_id]))
        if not found:
            raise NoteError(f"There is no note {note_id}.")
        db.execute("delete from notes where id = ?", [note_id])
    return found[0]
