"""How much one bookings import may hold, and what the owner is told beyond it.

A busy practice's appointments report for a year has a few thousand rows and
a few dozen columns. These bounds are far above that, and keep one file (at
most ``BOOKINGS_UPLOAD_LIMIT``, 8 MiB, from the dashboard; any size from
``flask bookings import``) from filling a worker's memory, holding the
database's write lock for seconds or drawing a preview of megabytes. The
reader counts as it goes and stops at the first row beyond a bound, so a huge
file is refused before it is held in memory.
"""

# Booking rows (blank rows are not counted) and columns of one file.
MAX_ROWS = 50_000
MAX_COLUMNS = 200
# The longest cell read, in characters: a note pasted in full may be a
# megabyte, in a column dropped anyway; a file is at most 8 MiB from the
# dashboard. Python's csv module stops at 128 KiB by default.
MAX_CELL_CHARS = 16 * 1024 * 1024
# Bookings stored (or removed) per write transaction: each holds SQLite's
# write lock for a few tens of milliseconds, so the site's other writes (a
# login, a note, the visits) wait that long at most, never seconds.
CHUNK_ROWS = 2_000
# The preview: its first rows, and the dropped columns' names it lists.
PREVIEW_ROWS = 10
COLUMN_NAMES_SHOWN = 50


def too_many_rows():
    """The owner's message for a file with more than ``MAX_ROWS`` bookings."""
    return (
        f"the file has more than {MAX_ROWS:,} bookings; export a shorter period, "
        "say a year, and import each part"
    )


def too_many_columns(row_number):
    """The owner's message for a row with more than ``MAX_COLUMNS`` cells."""
    return (
        f"row {row_number} has more than {MAX_COLUMNS} columns, far more than an "
        "appointments report has: export the appointments report again as CSV"
    )


def shown_column_names(names):
    """``(the names listed, how many more there are)`` for a preview."""
    return names[:COLUMN_NAMES_SHOWN], max(0, len(names) - COLUMN_NAMES_SHOWN)
