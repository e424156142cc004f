"""The owner's notes on the timeline: a day and one line of plain text."""

import datetime

# A note is a line on a chart, not a diary entry.
MAX_NOTE_LENGTH = 200


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
