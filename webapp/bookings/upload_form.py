"""The dashboard's upload form: which column is each field, what a status word means.

The uploaded file is never kept on the server (it holds client names), so the
form holds the file input and the owner's choices together: a changed choice
sends the file again with them (htmx keeps the chosen file in its input;
without JavaScript the page asks for the file again). The choices of a
preview wait in ``meta`` (the header's cells and the choices, never a cell of
a booking) until the owner confirms it; then they are remembered for that set
of headers (``mappings``), and the next upload with the same headers is read
with them at once.
"""

import csv
import io
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from ..core.db import immediate, read_meta, write_meta
from . import fields, file_shapes, importer, mappings, statuses
from .channels import CHANNEL_LABELS, CHANNELS
from .mappings import ColumnChoices

FIELD_INPUT = "column-"
WORD_INPUT = "word-"
STATUS_INPUT = "status-"
HEADERS_INPUT = "headers"
SKIP_INPUT = "skip_bad_rows"
# What the owner may make of a status word the reader does not know.
STATUS_CHOICES = (
    ("confirmed", "Kept (completed or upcoming)"),
    ("pending", "Waiting for confirmation (pending)"),
    ("cancelled", "Cancelled"),
    ("no-show", "No-show"),
)
CHOSEN_KEY = "bookings_preview_choices"
# A status column holds a few short words; more, or longer, or with digits or
# an @, and it is not a status column: its cells are never shown.
MAX_WORDS = 10
WORD_LENGTH = 40
_WORD = re.compile(r"[^\W\d_]+(?:[ '’./&()-]+[^\W\d_]+)*[.)]?")


@dataclass
class Sent:
    """What the form sent besides the file."""

    choices: ColumnChoices | None = None
    headers: str = ""
    skip_bad_rows: bool = False


def sent_from(form):
    """The choices the form sent (None when it showed no column selects)."""
    chosen = {
        name.removeprefix(FIELD_INPUT): form.get(name, "")
        for name in form
        if name.startswith(FIELD_INPUT)
        and name.removeprefix(FIELD_INPUT) in fields.MAPPED_FIELDS
    }
    stored = dict(STATUS_CHOICES)
    statuses = {}
    for name in form:
        if name.startswith(WORD_INPUT):
            number = name.removeprefix(WORD_INPUT)
            word = form.get(name, "").strip()
            status = form.get(STATUS_INPUT + number, "")
            if word and status in stored:
                statuses[word] = status
    choices = ColumnChoices(chosen, statuses) if chosen or statuses else None
    return Sent(choices, form.get(HEADERS_INPUT, ""), bool(form.get(SKIP_INPUT)))


@dataclass
class Upload:
    """One upload read with the choices that applied, or the reason it was not."""

    header: list
    choices: ColumnChoices
    recalled: bool
    skip_bad_rows: bool
    reading: object = None
    problem: object = None
    # Status words the reader did not know (the file's own words, short ones).
    unknown_words: list = field(default_factory=list)


def column_not_found(upload):
    """Whether the upload's problem is a field that no column's name was taken for."""
    problem = upload.problem
    name = problem.field
    if name is None or problem.row is not None:
        return False
    try:
        return name not in fields.match_headers(upload.header, upload.choices.fields)
    except fields.FieldError:
        return True


def read_upload(db, data, config, sent):
    """Read ``data`` with the sent choices, or those remembered for its headers."""
    rows = _first_rows(data)
    keys = {mappings.headers_key(row): row for row in rows}
    header, choices, recalled = None, None, False
    if sent.choices is not None and sent.headers in keys:
        header, choices = keys[sent.headers], sent.choices
    else:
        # A new file (or the first upload): its own remembered choices, if any.
        for row in rows:
            remembered = mappings.recall(db, row)
            if remembered is not None:
                header, choices, recalled = row, remembered, True
                break
    choices = choices or ColumnChoices()
    upload = Upload(header or [], choices, recalled, sent.skip_bad_rows)
    try:
        upload.reading = importer.read_export(
            importer.open_text(io.BytesIO(data)),
            config,
            overrides=choices.fields,
            statuses=choices.statuses,
            skip_bad_rows=sent.skip_bad_rows,
        )
    except importer.BookingFileError as problem:
        upload.problem = problem
        # The reader names the header only when a row surely is one: any other
        # row may be a client's cells, never shown in a select.
        upload.header = list(problem.header or header or [])
        if problem.field == "status":
            upload.unknown_words = _unknown_words(data, upload.header, choices)
        return upload
    upload.header = list(upload.reading.header)
    return upload


def _file_rows(data):
    """Every row of the file, as the reader splits it (its encoding and separator)."""
    return file_shapes.csv_rows(importer.open_text(io.BytesIO(data)))


def _first_rows(data):
    """The first non-blank rows of the file, where its header is."""
    try:
        found = (row for row in _file_rows(data) if any(cell.strip() for cell in row))
        return list(itertools.islice(found, file_shapes.HEADER_SEARCH_ROWS))
    except (csv.Error, importer.BookingFileError, UnicodeError):
        return []


def _unknown_words(data, header, choices):
    """The status column's words the reader does not know, if they look like words."""
    try:
        column = fields.match_headers(header, choices.fields).get("status")
        chosen = statuses.owner_statuses(choices.statuses)
    except fields.FieldError:
        return []
    # Only a column named like a status, as the reader found it: a column the
    # owner chose may hold names, whose cells are never shown.
    if column is None or column != fields.match_headers(header).get("status"):
        return []
    words, seen_header, key = set(), False, mappings.headers_key(header)
    try:
        for row in _file_rows(data):
            if not seen_header:
                seen_header = mappings.headers_key(row) == key
                continue
            cell = row[column].strip() if column < len(row) else ""
            if not cell or statuses.is_status(cell, chosen):
                continue
            # Only short words are shown: a column of names or e-mail
            # addresses chosen by mistake is never repeated on the page.
            if len(cell) > WORD_LENGTH or not _WORD.fullmatch(cell):
                return []
            words.add(statuses.status_word(cell))
            if len(words) > MAX_WORDS:
                return []
    except (csv.Error, UnicodeError, importer.BookingFileError):
        return []
    return sorted(words)


def changed_choices(upload):
    """The choices that differ from what the reader found by itself."""
    guessed = upload.reading.guessed
    changed = {
        name: header
        for name, header in upload.choices.fields.items()
        if fields.normalise_header(header)
        != fields.normalise_header(guessed.get(name, ""))
    }
    return ColumnChoices(changed, dict(upload.choices.statuses))


def keep_for_confirm(db, batch, upload):
    """Keep a preview's choices until the owner confirms (or replaces) it."""
    choices = changed_choices(upload)
    value = {
        "batch": batch,
        "header": upload.header,
        "fields": choices.fields,
        "statuses": choices.statuses,
    }
    with immediate(db):
        write_meta(db, CHOSEN_KEY, json.dumps(value))


def remember_confirmed(db, batch):
    """Remember the confirmed preview's choices for its headers."""
    try:
        kept = json.loads(read_meta(db, CHOSEN_KEY) or "{}")
    except ValueError:
        kept = {}
    if kept.get("batch") != batch or not kept.get("header"):
        return
    choices = ColumnChoices(kept.get("fields") or {}, kept.get("statuses") or {})
    # sqlite-utils commits its own write: not inside a transaction of ours.
    mappings.remember(db, kept["header"], choices)
    with immediate(db):
        write_meta(db, CHOSEN_KEY, "")


def remember_now(db, upload):
    """Remember an upload's choices at once (a file that adds nothing to confirm)."""
    mappings.remember(db, upload.header, changed_choices(upload))


def form_state(upload):
    """What the upload form shows: the file's headers in selects, the status words."""
    if upload is None:
        return {"columns": [], "words": [], "skip_bad_rows": False}
    labels = [fields.header_label(cell) for cell in upload.header]
    options, seen = [], set()
    for cell, label in zip(upload.header, labels, strict=True):
        name = fields.normalise_header(cell)
        if name and name not in seen:
            seen.add(name)
            options.append((cell, label))
    chosen = _chosen_columns(upload, options)
    words = dict(upload.choices.statuses)
    words.update(dict.fromkeys(upload.unknown_words, ""))
    return {
        "columns": [
            (name, fields.FIELD_LABELS[name], chosen.get(name, ""))
            for name in fields.MAPPED_FIELDS
        ]
        if options
        else [],
        "options": options,
        "words": sorted(words.items()),
        "headers": mappings.headers_key(upload.header) if options else "",
        "skip_bad_rows": upload.skip_bad_rows,
        "recalled": upload.recalled,
    }


def _chosen_columns(upload, options):
    """``{field: header}`` the selects show as chosen."""
    by_name = {fields.normalise_header(cell): cell for cell, _label in options}
    by_label = {label: cell for cell, label in options}
    if upload.reading is not None:
        mapping = upload.reading.mapping
        return {
            name: by_label.get(shown) or by_name.get(fields.normalise_header(shown), "")
            for name, shown in mapping.items()
        }
    chosen = {
        name: by_name.get(fields.normalise_header(header), "")
        for name, header in upload.choices.fields.items()
    }
    try:
        found = fields.match_headers(upload.header, upload.choices.fields)
    except fields.FieldError:
        found = {}
    for name, index in found.items():
        chosen.setdefault(name, upload.header[index])
    return chosen


def without_commands(message):
    """A reader's message without the terminal's options: the page has its own."""
    found = (message.find("--"), message.find("flask "))
    at = min((i for i in found if i >= 0), default=-1)
    if at < 0:
        return message
    cut = max(message.rfind(mark, 0, at) for mark in (":", ";"))
    return message[:cut].rstrip() if cut > 0 else ""


def file_counts(reading):
    """What the file holds, for the preview: kept, pending, channels, new clients."""
    by_status = Counter(booking["status"] for booking in reading.bookings)
    by_channel = Counter(booking["channel"] for booking in reading.bookings)
    return {
        "kept": sum(by_status[status] for status in fields.KEPT_STATUSES),
        "pending": by_status["pending"],
        "cancelled": by_status["cancelled"] + by_status["no-show"],
        "new_clients": sum(1 for b in reading.bookings if b["new_client"] == 1),
        "channels": [
            (CHANNEL_LABELS[channel], by_channel[channel])
            for channel in CHANNELS
            if by_channel[channel]
        ],
    }
