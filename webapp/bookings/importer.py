"""Reading a booking platform's CSV export: only the booking's own fields survive.

``read_export`` walks the file once with the ``csv`` module (``file_shapes``
finds its encoding, separator and header). Each row is cut down to the kept
columns the moment it is read (names, e-mail addresses, phone numbers, notes
and every other column are never copied anywhere); a row that is no booking
(totals, "report generated") is skipped and only its number kept. Then the
date columns are read as a whole (the column decides day-first or
month-first), a separate time column joins the appointment's date, and each
row becomes the values ``bookings`` stores: its source is read for its
channel only. A cell that cannot be read stops the whole file with
``BookingFileError``, whose message names the row (the header is row 1, as in
a spreadsheet) and the column, and never repeats a cell, unless the owner
chose to skip such rows. A file beyond ``limits`` (rows, columns) is refused
at the first row past the bound, before the rest is read.
"""

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from ..core.formatting import counted
from . import dates, fields, file_shapes, rows, statuses
from .errors import BookingFileError, reads_as
from .fields import CHECKED_HEADERS, DATE_FIELDS, TIME_FIELD
from .file_shapes import NOT_TEXT, open_text
from .limits import MAX_COLUMNS, MAX_ROWS, too_many_columns, too_many_rows

__all__ = ["BookingFileError", "Reading", "open_text", "read_export"]

# How often (in rows) the reader reports progress to a progress bar.
PROGRESS_EVERY = 2000
# How many skipped rows a note names by number.
ROWS_NAMED = 10


@dataclass
class Reading:
    """What one export holds, as it would be stored."""

    # Field -> the file's header for it; the headers of every other column.
    mapping: dict
    dropped_columns: list
    # The header row's cells (for ``mappings.headers_key`` and the dashboard's
    # column selects) and how the owner reads them.
    header: list = field(default_factory=list)
    header_labels: list = field(default_factory=list)
    # Field -> header the reader found by itself, before the owner's choices.
    guessed: dict = field(default_factory=dict)
    # One dict per booking: the ``bookings`` columns except id and batch.
    bookings: list = field(default_factory=list)
    rows_read: int = 0
    empty_rows: int = 0
    # Row numbers (never cells) of rows that are not bookings, and of rows
    # that could not be read when the owner chose to skip them.
    skipped_rows: list = field(default_factory=list)
    # Date field -> "MDY", "DMY" or the forced format; notes for the owner.
    date_orders: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def by_status(self):
        """Counter of the bookings' statuses."""
        return Counter(booking["status"] for booking in self.bookings)


def read_export(
    text,
    config,
    overrides=None,
    date_format=None,
    progress=None,
    *,
    statuses=None,
    skip_bad_rows=False,
):
    """Read an export (a text stream opened with ``newline=''``) into a Reading.

    ``overrides`` is ``{field: header or ''}`` (``--map``), ``statuses`` the
    owner's ``{word: stored status}`` (``--status``); with ``skip_bad_rows``
    a row that cannot be read is skipped and counted instead of stopping.
    """
    options = rows.Options(
        config, overrides or {}, date_format, statuses, skip_bad_rows
    )
    try:
        return _read(text, options, progress)
    except UnicodeDecodeError:
        # ``open_text`` judged UTF-8 from the file's start only: a Windows-1252
        # file whose first accent comes later is read again from the start.
        text = file_shapes.again_as_cp1252(text)
        if text is None:
            raise BookingFileError(NOT_TEXT) from None
    try:
        return _read(text, options, progress)
    except UnicodeDecodeError:
        raise BookingFileError(NOT_TEXT) from None
    finally:
        # The file stays its opener's to close: dropping this second stream
        # must not close it (or warn that it was left open).
        text.detach()


def _read(text, options, progress):
    """``read_export`` without the decoding guard."""
    reader = file_shapes.csv_rows(text)
    number, header, columns, above = file_shapes.find_header(reader, options.overrides)
    reading = Reading(mapping={}, dropped_columns=[])
    reading.header = file_shapes.cells_of(header)
    try:
        return _read_rows(reader, number, columns, above, reading, options, progress)
    except BookingFileError as problem:
        # The dashboard offers the file's columns beside the message.
        problem.header = problem.header or reading.header
        raise


def _read_rows(reader, number, columns, above, reading, options, progress):
    """The rows below the header, read into ``reading``."""
    reading.header_labels = [fields.header_label(cell) for cell in reading.header]
    if above:
        reading.notes.append(f"{counted(above, 'line')} above the header row skipped.")
    raw = _kept_cells(reader, columns, number, reading, options, progress)
    if not raw:
        raise BookingFileError("the file has a header but no booking rows")
    _check_by_values(raw, columns, reading.header, options)
    _describe_columns(reading, columns, options)
    labels = {name: reading.header_labels[i] for name, i in columns.items()}
    if TIME_FIELD not in columns:
        _refuse_times_alone(raw, labels["appointment"])
    _decide_date_orders(raw, columns, labels, reading, options)
    rows.decide_blanks(raw, columns, reading.notes, options)
    # Two identical bookings of one file are told apart by their order, and
    # the count leaves the status out, like the fingerprint (see _identity).
    occurrences, not_bookings = Counter(), len(reading.skipped_rows)
    for index, (row_number, cells) in enumerate(raw):
        raw[index] = None  # a row's cells go as its booking comes: half the peak
        try:
            booking = rows.booking(
                row_number, cells, reading.date_orders, labels, options
            )
        except BookingFileError:
            if not options.skip_bad_rows:
                raise
            reading.skipped_rows.append(row_number)
            continue
        key = _identity(booking)
        occurrences[key] += 1
        booking["fingerprint"] = _fingerprint(key, occurrences[key])
        reading.bookings.append(booking)
    _note_skipped(reading, not_bookings)
    if not reading.bookings:
        raise BookingFileError("no row of the file could be read as a booking")
    return reading


def _note_skipped(reading, not_bookings):
    """Tell the owner which rows were skipped, by number, and why."""
    skipped = reading.skipped_rows
    for numbers, why in (
        (skipped[:not_bookings], "that are not bookings (totals, report lines)"),
        (skipped[not_bookings:], "that could not be read"),
    ):
        if numbers:
            shown = ", ".join(str(number) for number in numbers[:ROWS_NAMED])
            beyond = len(numbers) - ROWS_NAMED
            more = f" and {beyond} more" if beyond > 0 else ""
            rows_skipped = counted(len(numbers), "row")
            reading.notes.append(f"{rows_skipped} {why} skipped: {shown}{more}.")
    skipped.sort()


def _kept_cells(reader, columns, number, reading, options, progress):
    """``[(row number, {field: cell})]``: each row cut to the kept columns at once."""
    raw = []
    kept = tuple(columns.items())
    header_names = [fields.normalise_header(cell) for cell in reading.header]
    appointment = columns["appointment"]
    try:
        for row in reader:
            number += 1
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress()
            width = len(row)
            if width > MAX_COLUMNS:
                raise BookingFileError(too_many_columns(number))
            if not any(cell.strip() for cell in row):
                reading.empty_rows += 1
                continue
            if not file_shapes.is_booking_row(
                row, appointment, header_names, options.date_format
            ):
                reading.skipped_rows.append(number)
                continue
            if len(raw) == MAX_ROWS:
                raise BookingFileError(too_many_rows())
            raw.append((number, {n: row[i] if i < width else "" for n, i in kept}))
            # Only the kept cells outlive this line: ``row`` is dropped here.
    except csv.Error as problem:
        raise BookingFileError(f"row {number + 1}: not CSV ({problem})") from None
    reading.rows_read = len(raw)
    return raw


def _check_by_values(raw, columns, header, options):
    """Drop a column taken by a doubtful header whose cells do not fit it.

    "State" is the status only when its cells are statuses (elsewhere it is
    the client's address), "ID" the booking number only when no two rows
    share one (a client's number repeats on each of their bookings), and an
    "Appointment Type" says who is new only when its cells say new or not.
    """
    for name, doubtful in CHECKED_HEADERS.items():
        if name not in columns or name in options.overrides:
            continue
        if fields.normalise_header(header[columns[name]]) not in doubtful:
            continue
        cells = [cells[name].strip() for _number, cells in raw]
        filled = [cell for cell in cells if cell]
        if name == "booking_id":
            fits = len(filled) == len(cells) == len(set(cells))
        else:
            fits = bool(filled) and all(_fits(name, cell, options) for cell in filled)
        if not fits:
            del columns[name]
            for _number, row_cells in raw:
                del row_cells[name]


def _fits(name, cell, options):
    """Whether one cell reads as the field ``name`` (a status, a new client)."""
    if name == "status":
        return statuses.is_status(cell, options.statuses)
    return reads_as(fields.parse_new_client, cell)


def _describe_columns(reading, columns, options):
    """Fill the reading's mapping, dropped columns and guessed fields."""
    labels = reading.header_labels
    reading.mapping = {
        name: labels[columns[name]] for name in fields.MAPPED_FIELDS if name in columns
    }
    used = set(columns.values())
    reading.dropped_columns = [label for i, label in enumerate(labels) if i not in used]
    # What the reader found by itself: its own match for a field the owner
    # chose, the columns it kept (after the checks by values) for the rest.
    own = fields.match_headers(reading.header)
    reading.guessed = {
        name: reading.header[own[name] if name in options.overrides else columns[name]]
        for name in fields.MAPPED_FIELDS
        if (own if name in options.overrides else columns).get(name) is not None
    }


def _refuse_times_alone(raw, label):
    """A column of times with no date column beside it is no appointment column."""
    number, cell = next(
        ((n, cells["appointment"]) for n, cells in raw if cells["appointment"].strip()),
        (None, ""),
    )
    if dates.is_time(cell):
        raise BookingFileError(
            f"no appointment date column: “{label}” holds times of day only (row "
            f"{number}), and a time needs a date column beside it: name one with "
            "--map appointment=HEADER",
            "appointment",
        )


def _decide_date_orders(raw, columns, labels, reading, options):
    """Fill ``reading.date_orders``: each date column read as a whole."""
    names = [name for name in DATE_FIELDS if name in columns]
    if options.date_format:
        reading.date_orders = dict.fromkeys(names, options.date_format)
        return
    found = {name: _date_order(raw, name, labels[name]) for name in names}
    # A column whose every value reads both ways follows the file's other
    # date column (one export, one way of writing dates), then the setting.
    known = [order for order, _numeric in found.values() if order]
    setting = str(options.config.get("DATE_ORDER", "MDY")).upper()
    fallback = known[0] if known else setting
    # Only columns with numeric dates (03/04/2025) have an order to report.
    reading.date_orders = {
        name: order or fallback for name, (order, numeric) in found.items() if numeric
    }


def _date_order(raw, name, label):
    """``(order, numeric)`` for a date column, read as a whole.

    ``order`` is "MDY", "DMY" or None (every value reads both ways);
    ``numeric`` says whether the column has any date like 03/04/2025.
    """
    first_seen, numeric = {}, False
    for row_number, cells in raw:
        hint = dates.date_order_hint(cells[name])
        if hint is None:
            numeric = numeric or dates.is_numeric_date(cells[name])
            continue
        numeric = True
        if hint not in first_seen:
            first_seen[hint] = row_number
            if len(first_seen) == 2:
                raise BookingFileError(
                    f"column “{label}” mixes day-first and month-first dates "
                    f"(row {first_seen['DMY']} is day-first, row "
                    f"{first_seen['MDY']} month-first): use --date-format",
                    name,
                )
    return next(iter(first_seen), None), numeric


def _identity(booking):
    """The kept fields that make two rows the same booking: all but the status."""
    # A later export's newer status updates the stored one (status_changes.py).
    return tuple(booking[name] for name in fields.IDENTITY_FIELDS)


def _fingerprint(identity, occurrence):
    """A hash of the identity and which identical row of the file this is."""
    # The occurrence keeps two identical rows of one file apart (two clients
    # booking the same service at the same time), while the same rows in an
    # overlapping export get the same fingerprints and are not added twice.
    text = "\x1f".join("" if value is None else str(value) for value in identity)
    return hashlib.sha256(f"{text}\x1e{occurrence}".encode()).hexdigest()
