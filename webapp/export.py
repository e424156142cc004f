"""CSV downloads that a spreadsheet opens straight away, safely."""

import csv
import io

from flask import Response

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows per streamed chunk of a CSV download.
CHUNK_ROWS = 500


def csv_safe(value):
    """A cell value that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(header, rows, filename):
    """A UTF-8 CSV download (with BOM, so Excel reads the accents right).

    Streamed in chunks, so an "all time" export of a large database never
    sits whole in memory on a small server. ``rows`` is consumed after the
    view has returned: it must not use the request's database connection.
    """

    def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(header)
        for count, row in enumerate(rows, start=1):
            writer.writerow([csv_safe(value) for value in row])
            if count % CHUNK_ROWS == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    response = Response(chunks(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _drain(buffer):
    """Everything written to ``buffer`` so far, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
