"""The owner's notes from the dashboard: add and delete, with htmx or without.

Without JavaScript each form posts, then redirects back to the dashboard it
came from (POST-redirect-GET); a note that cannot be stored gets a small page
with the message and the form as typed (400). With htmx, the answer is the
notes box itself (``templates/notes/_notes.html``, the partial the dashboard
includes) and the words for the status region beside it.
"""

import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
)

from ..auth.guard import login_required, safe_next
from ..core import calendar
from ..core.db import get_db
from ..core.formatting import long_date
from ..core.http import vary_on_htmx, wants_fragment
from .store import (
    MAX_NOTE_LENGTH,
    NoteError,
    add_note,
    delete_note,
    latest_note_day,
    notes_between,
)

bp = Blueprint("notes", __name__)

# Flashed messages of this box only (the login page shows its own).
FLASH_CATEGORY = "notes"


def notes_box(db, start, end, back, *, error=None, form=None, message=""):
    """What ``notes/_notes.html`` shows: the period's notes and the add form."""
    today = calendar.today()
    return {
        "notes": notes_between(db, start, end),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "back": back,
        "error": error,
        "form": form or {"day": today.isoformat(), "text": ""},
        "message": message,
        "max_length": MAX_NOTE_LENGTH,
        "earliest": calendar.EARLIEST.isoformat(),
        "latest": latest_note_day(today).isoformat(),
    }


def flashed_message():
    """The last "note added/deleted" message of a no-JS round trip, or ''."""
    messages = get_flashed_messages(category_filter=[FLASH_CATEGORY])
    return messages[-1] if messages else ""


def _shown_period():
    """The dashboard period the form was on (its hidden fields); 400 if unreadable.

    The dashboard's forms always carry it: without it, which notes to show
    back is unknown, so nothing is done.
    """
    today = calendar.today()
    try:
        return [calendar.parse_day(request.form.get(k), today) for k in ("from", "to")]
    except calendar.DayError:
        abort(400)


def _answer(period, message, *, error=None, form=None, status=200):
    """The notes box for htmx, a redirect (or an error page) without it."""
    back = safe_next(request.form.get("back", ""))  # a path on this site only
    box = notes_box(get_db(), *period, back, error=error, form=form, message=message)
    if wants_fragment():
        html = render_template("notes/_fragment.html", box=box)
        return vary_on_htmx(make_response(html, status))
    if error is None:
        flash(message, FLASH_CATEGORY)
        return redirect(box["back"].split("#")[0] + "#notes", 303)
    return make_response(render_template("notes/page.html", box=box), status)


@bp.post("/stats/notes")
@login_required
def add():
    """Add a note to a day."""
    period = _shown_period()
    form = {
        "day": request.form.get("day", "")[:40],
        "text": request.form.get("text", "")[: MAX_NOTE_LENGTH * 4],
    }
    try:
        note = add_note(get_db(), form["day"], form["text"])
    except NoteError as problem:
        form["field"] = problem.field
        return _answer(period, "", error=str(problem), form=form, status=400)
    return _answer(period, f"Note added for {_day_of(note)}.")


@bp.post("/stats/notes/<int(max=9223372036854775807):note_id>/delete")
@login_required
def delete(note_id):
    """Delete one note."""
    period = _shown_period()
    try:
        note = delete_note(get_db(), note_id)
    except NoteError:
        return _answer(period, "", error="That note was already deleted.", status=404)
    return _answer(period, f"Note for {_day_of(note)} deleted.")


def _day_of(note):
    """A stored note's day, spelt out for the owner."""
    return long_date(datetime.date.fromisoformat(note["day"]))
