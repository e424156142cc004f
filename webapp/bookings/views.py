"""The owner's bookings page: upload an export, preview it, confirm it, undo it.

``/stats/bookings`` shows the upload form, a preview waiting for
confirmation and the past imports. Every form works as a plain POST (the
answer is a full page, or a 303 back to the page) and, with htmx, swaps the
panel in place (``bookings/_panel.html``, the same partial either way). The
uploaded file is read in memory from the request and never written to disk
(at most 50,000 bookings, ``limits``); only the booking's own fields are
stored, a chunk at a time, as a pending batch, until the owner confirms; so
are the status changes it would make to bookings already stored, which are
applied only then. The upload form also holds the owner's choices of
columns and status words (``upload_form``): the file is never kept, so a
changed choice sends it again, and the choices of a confirmed preview are
remembered for its headers. Cancel and Undo say how much space they left
free inside the database file when it is worth a word.
"""

import datetime
import functools
import io

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.formparser import FormDataParser

from ..auth.guard import login_required
from ..core import calendar, compact
from ..core.db import get_migrated_db
from ..core.formatting import clock, current_locale, short_date
from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import body_limit
from ..core.text import clean_text
from . import batches, limits, status_changes, upload_form
from .channels import CHANNEL_LABELS
from .fields import FIELD_LABELS

bp = Blueprint("bookings", __name__)

FILE_NAME_LENGTH = 100
# What a browser may call a CSV file (Windows names it after Excel).
CSV_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "text/comma-separated-values",
    "application/octet-stream",
    "",
}
MESSAGES = {
    "too_large": "That file is larger than {limit} MB. Export a shorter period "
    "and upload each part.",
    "no_file": "Choose a CSV file to upload first.",
    "not_csv": "Only CSV files can be imported: export the report as CSV "
    "(a file ending in .csv).",
    "gone": "That preview is no longer waiting: a newer upload replaced it, or "
    "it was more than a day old. Please upload the file again.",
    "no_batch": "There is no import {batch} (any more).",
    "cancelled": "The preview was discarded: nothing was imported.",
    "already_confirmed": "That import was already confirmed, so there is no "
    "preview to cancel; to remove it, use its Undo button under “Past imports”.",
    "not_pending": "There is no preview to cancel: it was already discarded, "
    "replaced by a newer upload, or saved and undone. Nothing from it counts.",
    "no_appointment": "Nothing was imported: no column of this file was recognised "
    "as the appointment date.",
    "choose_below": "Choose it in the list “Appointment” below, then preview the "
    "import again.",
    "no_header": "Check that the file is the appointments report, exported as CSV.",
    "unreadable": "this file cannot be read as it is",
    "status_words": "Say below what each of the file’s status words means, then "
    "preview the import again.",
    "other_column": "You can choose another column for “{field}” below, or tick "
    "“Skip the rows that cannot be read”, then preview the import again.",
    "column": "You can choose another column for “{field}” below, then preview the "
    "import again.",
    "free_space": " About {size} inside the site’s database file is now free: "
    "later imports reuse it, and it goes back to the disk when the database is "
    "next compacted on the server.",
}


def _in_memory(total_content_length, content_type, filename=None, content_length=None):
    """Where an uploaded file goes while the form is parsed: memory only."""
    return io.BytesIO()


class _InMemoryFormParser(FormDataParser):
    """Werkzeug's form parser, with files kept in memory, never in a temp file."""

    def __init__(self, **options):
        options["stream_factory"] = _in_memory
        super().__init__(**options)


@bp.url_value_preprocessor
def _keep_uploads_in_memory(endpoint, values):
    """Parse this blueprint's forms without temporary files."""
    # URL value preprocessors run before the app's before_request hooks, the
    # first of which parses the form (for CSRF): a client's file is never on
    # disk, not even for a moment. The body limit bounds the memory used.
    request.form_data_parser_class = _InMemoryFormParser


def _upload_limit_mb():
    """The upload limit in whole megabytes, for messages."""
    return max(1, current_app.config["BOOKINGS_UPLOAD_LIMIT"] // (1024 * 1024))


def _page(status=200, *, message=None, error=None, preview=None, upload=None):
    """The bookings page (the panel alone for htmx), with what it should say."""
    db = get_migrated_db()
    if preview is None and upload is None:
        pending = batches.pending_batch(db)
        if pending is not None:
            preview = {"batch": pending, "mapping": None, "notes": [], "orders": {}}
    if preview is not None:
        rows = batches.preview_rows(db, preview["batch"]["id"])
        this_year = calendar.today().year
        for row in rows:
            row["channel_label"] = CHANNEL_LABELS.get(row.get("channel"), "")
            row["appointment_words"] = _stored_words(row["appointment"], this_year)
            row["day_words"] = _stored_words(row["day"], this_year)
        preview["rows"] = rows
        # Without a "booked on" column each booking counts on its appointment
        # day: a column saying so again would only be noise.
        preview["counts_apart"] = any(
            row["day"] != row["appointment"][:10] for row in rows
        )
        changes = batches.status_change_counts(db, preview["batch"]["id"])
        preview["changes"] = status_changes.describe(changes)
        dropped = preview["batch"]["dropped_columns"]
        preview["dropped"], preview["more_columns"] = limits.shown_column_names(dropped)
    fragment = wants_fragment()
    imports = batches.list_batches(db)
    for item in imports:
        item["imported_words"] = _imported_words(item["imported_at"])
    context = {
        "message": message,
        "error": error,
        "preview": preview,
        "form": upload_form.form_state(upload),
        # Without JavaScript the file input comes back empty: the page says so.
        "choose_again": not fragment,
        "imports": imports,
        "limit_mb": _upload_limit_mb(),
        "max_rows": limits.MAX_ROWS,
        "field_labels": FIELD_LABELS,
        "status_choices": upload_form.STATUS_CHOICES,
    }
    template = "bookings/_fragment.html" if fragment else "bookings/index.html"
    response = make_response(render_template(template, **context), status)
    return vary_on_htmx(response)


def _when(day, time=None, this_year=None):
    """A day (and time) in the practice's locale, on one line: ``Dec 1, 10:00 AM``.

    The year is left out for this year's days, as people write them.
    """
    words = short_date(day, with_year=day.year != this_year)
    if time is None:
        return words
    locale = current_locale()
    # The locale's own way of joining a date and a time ("{1}, {0}" in English).
    joined = str(locale.datetime_formats["medium"])
    return joined.replace("{1}", words).replace("{0}", clock(time, locale=locale))


def _stored_words(stored, this_year):
    """A stored day or appointment (``2025-03-18``, ``2025-03-18T14:30``) in words."""
    day, _, time = stored.partition("T")
    try:
        return _when(
            datetime.date.fromisoformat(day),
            datetime.time.fromisoformat(time) if time else None,
            this_year,
        )
    except ValueError:
        # Only our importer writes these; a value it never wrote is shown as is.
        return stored


def _imported_words(imported_at):
    """When an import was made (stored in UTC), in the practice's zone and words."""
    try:
        moment = datetime.datetime.fromisoformat(imported_at)
    except (TypeError, ValueError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    local = moment.astimezone(calendar.practice_zone())
    return _when(local.date(), local.time(), calendar.today().year)


def _done(message, **query):
    """After a form: the panel for htmx, else a 303 back to the page (PRG)."""
    if wants_fragment():
        return _page(message=message)
    return redirect(url_for("bookings.upload", **query), 303)


@bp.errorhandler(413)
def _too_large(error):
    """An upload over the limit: the page with a clear message, status 413."""
    message = MESSAGES["too_large"].format(limit=_upload_limit_mb())
    return _page(413, error=message)


@bp.get("/stats/bookings")
@login_required
def upload():
    """The upload form, a preview waiting for confirmation, and past imports."""
    batches.discard_stale(get_migrated_db())
    return _page(message=_message_from(request.args))


def _undone_message(batch, removed, restored):
    """What the page says after an undo."""
    message = f"Import {batch} is undone: {_bookings(removed)} removed"
    if restored:
        message += f", {_bookings(restored)} given back their previous status"
    return message + "." + _free_space()


def _bookings(count):
    """``1 booking``, ``3 bookings``."""
    return f"{count:,} booking" + ("" if count == 1 else "s")


def _free_space():
    """The page's sentence on the space a large cancel or undo left free, or ''."""
    free = compact.free_bytes(get_migrated_db())
    if free < compact.WORTH_TELLING:
        return ""
    return MESSAGES["free_space"].format(size=compact.megabytes(free))


def _message_from(args):
    """What the page says after a plain form's redirect (``?done=...``)."""
    batch = args.get("batch", type=int)
    removed = args.get("removed", type=int)
    done = args.get("done")
    if done == "confirmed" and batch:
        return f"Import {batch} is saved: its bookings now count on the dashboard."
    if done == "undone" and batch and removed is not None:
        return _undone_message(batch, removed, args.get("restored", 0, type=int))
    if done == "cancelled":
        return MESSAGES["cancelled"] + _free_space()
    return None


@bp.post("/stats/bookings")
@login_required
def preview():
    """Read an uploaded export and show what would be stored, as a pending batch."""
    upload_file = request.files.get("file")
    sent = upload_form.sent_from(request.form)
    if upload_file is None or not upload_file.filename:
        return _page(400, error=MESSAGES["no_file"])
    name = clean_text(upload_file.filename, FILE_NAME_LENGTH)
    if not _looks_like_csv(name, upload_file.mimetype):
        return _page(400, error=MESSAGES["not_csv"])
    db = get_migrated_db()
    # In memory already (_InMemoryFormParser); each reading gets its own stream.
    data = upload_file.stream.read()
    upload = upload_form.read_upload(db, data, current_app.config, sent)
    if upload.problem is not None:
        return _page(400, error=_problem_message(upload), upload=upload)
    try:
        stored = batches.store(db, upload.reading, name, confirmed=False)
    except batches.Interrupted as problem:
        return _page(409, error=f"Nothing was imported: {problem}.", upload=upload)
    if stored.nothing_new:
        upload_form.remember_now(db, upload)
        return _page(message=stored.nothing_new_text(), upload=upload)
    upload_form.keep_for_confirm(db, stored.batch, upload)
    reading = upload.reading
    preview = {
        "batch": batches.get_batch(db, stored.batch),
        "mapping": reading.mapping,
        "notes": reading.notes,
        "orders": reading.date_orders,
        "empty_rows": reading.empty_rows,
        "in_file": upload_form.file_counts(reading),
        "recalled": upload.recalled,
    }
    return _page(preview=preview, upload=upload)


def _problem_message(upload):
    """What the page says of a file that could not be read, in the owner's words."""
    problem = upload.problem
    field = problem.field
    if field == "appointment" and upload_form.column_not_found(upload):
        if upload.header:
            return MESSAGES["no_appointment"] + " " + MESSAGES["choose_below"]
        return MESSAGES["no_appointment"] + " " + MESSAGES["no_header"]
    said = upload_form.without_commands(str(problem)) or MESSAGES["unreadable"]
    message = f"Nothing was imported: {said}."
    if field == "status" and upload.unknown_words:
        return f"{message} {MESSAGES['status_words']}"
    if field in FIELD_LABELS and upload.header:
        label = FIELD_LABELS[field]
        wording = "other_column" if problem.row else "column"
        return f"{message} {MESSAGES[wording].format(field=label)}"
    return message


def _looks_like_csv(name, mimetype):
    """Whether an upload's name and type say CSV (its content is checked too)."""
    return name.lower().endswith((".csv", ".txt")) and mimetype in CSV_TYPES


@bp.post("/stats/bookings/<int(max=9223372036854775807):batch>/confirm")
@login_required
def confirm(batch):
    """Save a previewed import: its bookings count from now on."""
    db = get_migrated_db()
    if not batches.confirm(db, batch):
        return _page(409, error=MESSAGES["gone"])
    upload_form.remember_confirmed(db, batch)
    message = f"Import {batch} is saved: its bookings now count on the dashboard."
    return _done(message, done="confirmed", batch=batch)


@bp.post("/stats/bookings/<int(max=9223372036854775807):batch>/cancel")
@login_required
def cancel(batch):
    """Discard a previewed import; say so plainly when there is none to discard."""
    found = batches.cancel(get_migrated_db(), batch)
    if found == batches.ALREADY_CONFIRMED:
        return _page(409, error=MESSAGES["already_confirmed"])
    if found == batches.NO_LONGER_PENDING:
        return _page(409, error=MESSAGES["not_pending"])
    if found == batches.NEVER_EXISTED:
        return _page(404, error=MESSAGES["no_batch"].format(batch=batch))
    return _done(MESSAGES["cancelled"] + _free_space(), done="cancelled")


@bp.post("/stats/bookings/<int(max=9223372036854775807):batch>/undo")
@login_required
def undo(batch):
    """Remove one past import and its bookings; put back the statuses it changed."""
    undone = batches.undo(get_migrated_db(), batch)
    if undone is None:
        return _page(404, error=MESSAGES["no_batch"].format(batch=batch))
    message = _undone_message(batch, undone.removed, undone.restored)
    return _done(
        message,
        done="undone",
        batch=batch,
        removed=undone.removed,
        restored=undone.restored,
    )


@bp.record_once
def _upload_limit(state):
    """Give the upload its own body limit, ``BOOKINGS_UPLOAD_LIMIT``, per app."""
    # The setting is known only once there is an app; each app gets its own
    # copy of the view, so two apps with two limits do not share one.
    view = state.app.view_functions["bookings.preview"]

    @functools.wraps(view)
    def limited(*args, **kwargs):
        return view(*args, **kwargs)

    limit = state.app.config["BOOKINGS_UPLOAD_LIMIT"]
    state.app.view_functions["bookings.preview"] = body_limit(limit)(limited)
