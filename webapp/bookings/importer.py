"""Reading a booking platform's CSV export: only the booking's own fields survive.

``read_export`` walks the file once with the ``csv`` module. Each row is cut
down to the kept columns the moment it is read (names, e-mail addresses,
phone numbers, notes and every other column are never copied anywhere), then
the date columns are read as a whole (the column decides day-first or
month-first), a separate time column joins the appointment's date, and each
row becomes the values ``bookings`` stores. A cell that
cannot be read stops the whole file with ``BookingFileError``, whose message
names the row (the header is row 1, as in a spreadsheet) and the column, and
never repeats a dropped cell. A file beyond ``limits`` (rows, columns) is
refused at the first row past the bound, before the rest is read.
"""

import codecs
import csv
import hashlib
import io
import itertools
from collections import Counter
from dataclasses import dataclass, field

from . import fields
from .channels import stored_source
from .fields import DATE_FIELDS, TIME_FIELD, FieldError
from .limits import MAX_COLUMNS, MAX_ROWS, too_many_columns, too_many_rows

# Enough of the file to tell text from a spreadsheet and UTF-8 from Windows-1252.
SNIFF_BYTES = 64 * 1024
# How often (in rows) the reader reports progress to a progress bar.
PROGRESS_EVERY = 2000
# Without a status column every booking is taken as made and not cancelled.
DEFAULT_STATUS = "confirmed"
DELIMITERS = (",", ";", "\t")
# How many non-blank rows may come before the header (a title, the dates).
HEADER_SEARCH_ROWS = 5
NOT_TEXT = "the file is not text in UTF-8 or Windows-1252: export it as CSV again"


class BookingFileError(Exception):
    """A file that cannot be imported; ``str()`` is one line for the owner."""


@dataclass
class Reading:
    """What one export holds, as it would be stored."""

    # Field -> the file's header for it; the headers of every other column.
    mapping: dict
    dropped_columns: list
    # One dict per booking: the ``bookings`` columns except id and batch.
    bookings: list = field(default_factory=list)
    rows_read: int = 0
    empty_rows: int = 0
    # Date field -> "MDY", "DMY" or the forced format; notes for the owner.
    date_orders: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def by_status(self):
        """Counter of the bookings' statuses."""
        return Counter(booking["status"] for booking in self.bookings)


def open_text(binary):
    """A text stream over a binary file: UTF-8 (BOM or not) or Windows-1252."""
    head = binary.read(SNIFF_BYTES)
    binary.seek(0)
    if b"\x00" in head:
        raise BookingFileError(
            "this is not a CSV file (it looks like a spreadsheet or another "
            "binary file): export the report as CSV"
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        # Excel on Windows still writes this when asked for plain "CSV".
        encoding = "cp1252"
    return io.TextIOWrapper(binary, encoding=encoding, newline="")


def read_export(text, config, overrides=None, date_format=None, progress=None):
    """Read an export (a text stream opened with ``newline=''``) into a Reading."""
    try:
        return _read(text, config, overrides or {}, date_format, progress)
    except UnicodeDecodeError:
        # ``open_text`` judged UTF-8 from the file's start only: a Windows-1252
        # file whose first accent comes later is read again from the start.
        text = _again_as_cp1252(text)
        if text is None:
            raise BookingFileError(NOT_TEXT) from None
    try:
        return _read(text, config, overrides or {}, date_format, progress)
    except UnicodeDecodeError:
        raise BookingFileError(NOT_TEXT) from None
    finally:
        # The file stays its opener's to close: dropping this second stream
        # must not close it (or warn that it was left open).
        text.detach()


def _again_as_cp1252(text):
    """The same file from its start as Windows-1252, or None if it cannot be."""
    if getattr(text, "encoding", None) != "utf-8-sig":
        return None
    # Detached, the old stream no longer closes the file when it is dropped;
    # the bytes are read again from memory or the file, never copied to disk.
    binary = text.detach()
    if not binary.seekable():
        return None
    binary.seek(0)
    return io.TextIOWrapper(binary, encoding="cp1252", newline="")


def _read(text, config, overrides, date_format, progress):
    """``read_export`` without the decoding guard."""
    lines, delimiter = _with_delimiter(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number, header, columns, above = _find_header(reader, overrides)
    labels = {name: fields.header_label(header[i]) for name, i in columns.items()}
    reading = Reading(
        mapping={name: labels[name] for name in fields.MAPPED_FIELDS if name in labels},
        dropped_columns=[
            fields.header_label(title)
            for i, title in enumerate(header)
            if i not in columns.values()
        ],
    )
    if above:
        reading.notes.append(f"{above} line(s) above the header row skipped.")
    raw = _kept_cells(reader, columns, number, reading, progress)
    if not raw:
        raise BookingFileError("the file has a header but no booking rows")
    if TIME_FIELD not in columns:
        _refuse_times_alone(raw, labels["appointment"])
    _decide_date_orders(raw, columns, labels, reading, date_format, config)
    if "status" not in columns:
        reading.notes.append(
            f"No status column: every booking is taken as {DEFAULT_STATUS}."
        )
    # Two identical bookings of one file are told apart by their order, and
    # the count leaves the status out, like the fingerprint (see _identity).
    occurrences = Counter()
    for index, (row_number, cells) in enumerate(raw):
        raw[index] = None  # a row's cells go as its booking comes: half the peak
        booking = _booking(row_number, cells, reading, labels, date_format, config)
        key = _identity(booking)
        occurrences[key] += 1
        booking["fingerprint"] = _fingerprint(key, occurrences[key])
        reading.bookings.append(booking)
    return reading


def _find_header(reader, overrides):
    """``(row number, header, columns, lines above it)`` of the header row.

    The header is the first non-blank row naming an appointment date column;
    some exports put a title or the report's dates above it.
    """
    number, first, header_like, first_problem, above = 0, None, None, None, 0
    try:
        for row in reader:
            number += 1
            if len(row) > MAX_COLUMNS:
                raise BookingFileError(too_many_columns(number))
            if not any(cell.strip() for cell in row):
                continue
            try:
                columns = fields.match_headers(row, overrides)
            except FieldError as problem:
                columns, first_problem = {}, first_problem or problem
            if "appointment" in columns:
                return number, row, columns, above
            first = first or row
            # Only a row naming some kept field is a header whose titles the
            # message may list: any other row may be a client's own cells.
            header_like = header_like or (row if columns else None)
            above += 1
            if above >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as problem:
        raise BookingFileError(f"row {number + 1}: not CSV ({problem})") from None
    if first is None:
        raise BookingFileError("the file is empty: no header row")
    if first_problem is not None:
        raise BookingFileError(str(first_problem))
    raise BookingFileError(_missing_appointment(first, header_like))


def _with_delimiter(text):
    """The lines of ``text`` and the delimiter its first non-blank line uses."""
    first_lines = []
    for line in text:
        first_lines.append(line)
        if line.strip():
            break
    head = first_lines[-1] if first_lines else ""
    # A header with more semicolons (or tabs) than commas: a European export.
    delimiter = max(DELIMITERS, key=head.count)
    if head.count(delimiter) == 0:
        delimiter = ","
    return itertools.chain(first_lines, text), delimiter


def _kept_cells(reader, columns, number, reading, progress):
    """``[(row number, {field: cell})]``: each row cut to the kept columns at once."""
    raw = []
    kept = tuple(columns.items())
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
            if len(raw) == MAX_ROWS:
                raise BookingFileError(too_many_rows())
            raw.append((number, {n: row[i] if i < width else "" for n, i in kept}))
            # Only the kept cells outlive this line: ``row`` is dropped here.
    except csv.Error as problem:
        raise BookingFileError(f"row {number + 1}: not CSV ({problem})") from None
    reading.rows_read = len(raw)
    return raw


def _refuse_times_alone(raw, label):
    """A column of times with no date column beside it is no appointment column."""
    number, cell = next(
        ((n, cells["appointment"]) for n, cells in raw if cells["appointment"].strip()),
        (None, ""),
    )
    if fields.is_time(cell):
        raise BookingFileError(
            f"no appointment date column: “{label}” holds times of day only (row "
            f"{number}), and a time needs a date column beside it: name one with "
            "--map appointment=HEADER"
        )


def _missing_appointment(first, header):
    """The message for a file without an appointment date column.

    ``header`` is a row recognised as a header (it names some kept field),
    whose titles are listed; otherwise only the first row's width is given,
    never its cells, which may be a client's name, e-mail and phone.
    """
    names = ", ".join(f"“{name}”" for name in fields.HEADER_NAMES["appointment"][:5])
    if header is None:
        return (
            f"no column named like an appointment date (looked for {names}...; "
            f"the first row has {len(first)} columns): name it with "
            "--map appointment=HEADER"
        )
    found = ", ".join(f"“{fields.header_label(title)}”" for title in header[:12])
    return (
        f"no appointment date column (looked for {names}...; the file has "
        f"{found}): name it with --map appointment=HEADER"
    )


def _decide_date_orders(raw, columns, labels, reading, date_format, config):
    """Fill ``reading.date_orders``: each date column read as a whole."""
    names = [name for name in DATE_FIELDS if name in columns]
    if date_format:
        reading.date_orders = dict.fromkeys(names, date_format)
        return
    found = {name: _date_order(raw, name, labels[name]) for name in names}
    # A column whose every value reads both ways follows the file's other
    # date column (one export, one way of writing dates), then the setting.
    known = [order for order, _numeric in found.values() if order]
    fallback = known[0] if known else str(config.get("DATE_ORDER", "MDY")).upper()
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
        hint = fields.date_order_hint(cells[name])
        if hint is None:
            numeric = numeric or fields.is_numeric_date(cells[name])
            continue
        numeric = True
        if hint not in first_seen:
            first_seen[hint] = row_number
            if len(first_seen) == 2:
                raise BookingFileError(
                    f"column “{label}” mixes day-first and month-first dates "
                    f"(row {first_seen['DMY']} is day-first, row "
                    f"{first_seen['MDY']} month-first): use --date-format"
                )
    return next(iter(first_seen), None), numeric


def _booking(row_number, cells, reading, labels, date_format, config):
    """The stored values of one row; BookingFileError names row and column."""
    currency = str(config.get("CURRENCY", ""))
    current = "appointment"
    try:
        text = cells["appointment"]
        if not text.strip():
            raise FieldError("no appointment date")
        day, time = fields.parse_date(
            text, reading.date_orders.get("appointment"), date_format
        )
        current = TIME_FIELD
        if cells.get(TIME_FIELD, "").strip():
            time = _time_cell(cells[TIME_FIELD], day, reading, date_format)
        appointment = day.isoformat() + (f"T{time}" if time else "")
        booked_on, counted_day = "", day.isoformat()
        current = "booked_on"
        if cells.get("booked_on", "").strip():
            made, _ = fields.parse_date(
                cells["booked_on"], reading.date_orders.get("booked_on"), date_format
            )
            booked_on = counted_day = made.isoformat()
        current = "price"
        price = fields.parse_price(cells.get("price", ""), currency)
        current = "status"
        status = (
            fields.parse_status(cells["status"])
            if "status" in cells
            else DEFAULT_STATUS
        )
        current = "new_client"
        new_client = fields.parse_new_client(cells.get("new_client", ""))
    except FieldError as problem:
        raise BookingFileError(
            f"row {row_number}, column “{labels[current]}”: {problem}"
        ) from None
    return {
        "day": counted_day,
        "booked_on": booked_on,
        "appointment": appointment,
        "service": fields.clean_service(cells.get("service", "")),
        "price_cents": price,
        "status": status,
        "source": stored_source(cells.get("source", ""), config),
        "new_client": new_client,
    }


def _time_cell(text, day, reading, date_format):
    """``"HH:MM"`` from a time column's cell (a time, or the same day with one)."""
    try:
        return fields.parse_time(text)
    except FieldError as problem:
        # Some exports repeat the date in their "Start Time": take its time.
        try:
            same_day, time = fields.parse_date(
                text, reading.date_orders.get("appointment"), date_format
            )
        except FieldError:
            raise problem from None
        if same_day != day or time is None:
            raise problem from None
        return time


def _identity(booking):
    """The kept fields that make two rows the same booking: all but the status."""
    # The status is left out: a booking exported as "upcoming" in March and as
    # "completed" in April is one booking, whose stored status the later
    # export updates (status_changes.py), never a second booking.
    return tuple(
        booking[name]
        for name in (
            "booked_on",
            "appointment",
            "service",
            "price_cents",
            "source",
            "new_client",
        )
    )


def _fingerprint(identity, occurrence):
    """A hash of the identity and which identical row of the file this is."""
    # The occurrence keeps two identical rows of one file apart (two clients
    # booking the same service at the same time), while the same rows in an
    # overlapping export get the same fingerprints and are not added twice.
    text = "\x1f".join("" if value is None else str(value) for value in identity)
    return hashlib.sha256(f"{text}\x1e{occurrence}".encode()).hexdigest()
