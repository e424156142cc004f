"""Exports as they come: their encoding, their separator, where their header is.

Platforms and spreadsheets write the same report many ways: UTF-8 with or
without a BOM, Windows-1252, UTF-16 (Excel's "Unicode text", tab-separated);
commas, semicolons (European exports, with "1.250,00 €" prices) or tabs; a
title and the report's dates above the header; totals, "report generated"
lines and blank lines among the rows. This module finds the bookings in all
that, and never keeps a cell of a row that is not one.
"""

import codecs
import csv
import io
import itertools
import re

from . import dates, fields
from .errors import BookingFileError, FieldError, reads_as
from .limits import MAX_CELL_CHARS, MAX_COLUMNS, too_many_columns

# Enough of the file to tell text from a spreadsheet and UTF-8 from Windows-1252.
SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
# How many non-blank rows may come before the header (a title, the dates).
HEADER_SEARCH_ROWS = 10
NOT_TEXT = "the file is not text in UTF-8 or Windows-1252: export it as CSV again"
NOT_CSV = (
    "this is not a CSV file (it looks like a spreadsheet or another binary "
    "file): export the report as CSV"
)
# The first cell of a row that sums up the others, or says when the report was
# made: "Total", "Grand total:", "Report generated on ...", "Page 2 of 3".
_SUMMARY = re.compile(
    r"(?:grand |sub ?)?totals?\b|sum\b|count\b|summary\b|number of\b"
    r"|(?:report )?(?:generated|created|printed|exported|run)\b"
    r"|page \d+|end of report|showing \d+"
)
# A cell of a totals row without a word: "12", "$1,250.00", "1.250,00 €".
_AMOUNT = re.compile(r"[-+(]?[$€£¥]?\s*[\d.,'\s]+\s*[$€£¥%)]?")


def open_text(binary):
    """A text stream over a binary file, in the encoding its bytes show."""
    head = binary.read(SNIFF_BYTES)
    binary.seek(0)
    return io.TextIOWrapper(binary, encoding=_encoding(head), newline="")


def _encoding(head):
    """The encoding of a file that starts with ``head``."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text": the BOM says which end first
    if b"\x00" in head:
        # UTF-16 without a BOM has a zero beside every ASCII letter.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return "utf-16-be"
        raise BookingFileError(NOT_CSV)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # Excel on Windows still writes this when asked for plain "CSV".
        return "cp1252"
    return "utf-8-sig"


def again_as_cp1252(text):
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


def csv_rows(text):
    """A ``csv.reader`` over ``text`` with the separator its first lines use."""
    # One cell may be long (a note pasted in full): the csv module's own bound
    # of 128 KiB is raised to ``MAX_CELL_CHARS``, never unbounded.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))
    first_lines = []
    for line in text:
        first_lines.append(line)
        if sum(1 for kept in first_lines if kept.strip()) > HEADER_SEARCH_ROWS:
            break
    # The header is the line with the most separators: a title line above it
    # may hold a comma or two ("Appointments, Jan 1 - Jan 31, 2025").
    best = {
        mark: max((line.count(mark) for line in first_lines), default=0)
        for mark in DELIMITERS
    }
    delimiter = max(DELIMITERS, key=best.get)
    if best[delimiter] == 0:
        delimiter = ","
    return csv.reader(itertools.chain(first_lines, text), delimiter=delimiter)


def find_header(reader, overrides):
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
                columns = fields.match_headers(row, overrides, doubtful=True)
            except FieldError as problem:
                columns, first_problem = {}, first_problem or problem
            if "appointment" in columns:
                return number, row, columns, above
            first = first or row
            # Only a row naming kept fields is a header whose titles the
            # message may list: any other row may be a client's own cells.
            # Below the first row, or with an e-mail address or a date, it
            # takes two (a client's row may have a cell reading "Online").
            named = len(columns) >= 2 or (
                columns
                and first is row
                and not any("@" in cell or _is_date(cell, None) for cell in row)
            )
            header_like = header_like or (row if named else None)
            above += 1
            if above >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as problem:
        raise BookingFileError(f"row {number + 1}: not CSV ({problem})") from None
    if first is None:
        raise BookingFileError("the file is empty: no header row")
    header = cells_of(header_like) if header_like else None
    if first_problem is not None:
        raise BookingFileError(str(first_problem), first_problem.field, header=header)
    raise BookingFileError(
        _missing_appointment(first, header_like), "appointment", header=header
    )


def cells_of(header):
    """A header row's cells as the reading gives them (no BOM, no spaces around)."""
    return [cell.replace("\ufeff", "").strip() for cell in header]


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


def is_booking_row(row, appointment, header_names, date_format=None):
    """Whether a non-blank row is a booking, to read (or refuse if it cannot be).

    A row is not a booking when it is the header again, a totals or "report
    generated" line, or one lone cell (a title, a section name), and its
    appointment cell is no date. Any other row is taken as a booking: one
    whose date cannot be read stops the import, never silently skipped.
    """
    if not _looks_like_no_booking(row, header_names):
        return True
    cell = row[appointment] if appointment < len(row) else ""
    return bool(cell.strip()) and _is_date(cell, date_format)


def _looks_like_no_booking(row, header_names):
    """Whether a row is a lone cell, the header again, or a totals line."""
    filled = [value for value in row if value.strip()]
    if len(filled) <= 1:
        return True
    if (
        len(row) == len(header_names)
        and fields.normalise_header(row[0]) == header_names[0]
        and [fields.normalise_header(value) for value in row] == header_names
    ):
        return True
    first = " ".join(filled[0][:200].lower().split())
    if _SUMMARY.match(first):
        return True
    return all(_AMOUNT.fullmatch(value[:200].strip()) for value in filled)


def _is_date(cell, date_format):
    """Whether a cell reads as a date, month-first or day-first."""
    return any(
        reads_as(dates.parse_date, cell, order, date_format) for order in ("MDY", "DMY")
    )
