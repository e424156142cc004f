"""The fields a booking keeps, the headers that name them, and how each cell reads.

Every parser here takes one cell's text and returns the stored value, or
raises ``FieldError`` with a message that never repeats the cell (the caller
adds the row and the column): a mis-mapped column may hold an e-mail address.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from ..core.text import clean_text

# The fields kept, in the order the preview and the CLI show them.
FIELDS = (
    "booked_on",
    "appointment",
    "service",
    "price",
    "status",
    "source",
    "new_client",
)
DATE_FIELDS = ("booked_on", "appointment")
# A column read but not stored as such: the appointment's time of day, when an
# export gives it apart from the date ("Date" + "Time"). Only beside a date.
TIME_FIELD = "appointment_time"
# What ``--map`` and the header matching know, in the order they are shown.
MAPPED_FIELDS = (*FIELDS[:2], TIME_FIELD, *FIELDS[2:])
# How the owner reads each field's name (the preview, the CLI).
FIELD_LABELS = {
    "booked_on": "Booked on",
    "appointment": "Appointment",
    TIME_FIELD: "Appointment time",
    "service": "Service",
    "price": "Price",
    "status": "Status",
    "source": "Source",
    "new_client": "New client",
}

# Common header spellings, best first: when two columns match one field, the
# earlier name wins ("Appointment Date" over "Date"). A time-named column is
# the appointment only in a file without a date column (a "Start Time" of
# "Mar 18, 2025 2:30 PM"); beside one it is that date's time.
HEADER_NAMES = {
    "booked_on": (
        "Booked On",
        "Date Booked",
        "Booking Date",
        "Booked Date",
        "Booked At",
        "Created",
        "Created On",
        "Created At",
        "Date Created",
    ),
    "appointment": (
        "Appointment Date",
        "Appointment Start",
        "Appointment",
        "Start Date",
        "Start",
        "Date",
        "Start Time",
        "Appointment Time",
    ),
    TIME_FIELD: ("Appointment Time", "Start Time", "Time"),
    "service": (
        "Service",
        "Service Name",
        "Treatment",
        "Appointment Type",
        "Service Type",
    ),
    "price": ("Price", "Amount", "Total", "Service Price", "Cost"),
    # Not "State": in an export that is usually the client's address.
    "status": ("Status", "Appointment Status", "Booking Status"),
    "source": (
        "Source",
        "Booked From",
        "Booked Via",
        "Channel",
        # Not "Referral": it often names who referred the client.
        "Booking Source",
    ),
    "new_client": ("New Client", "First Visit", "Client Type", "New Client?"),
}

# Stored length: a service name is a label, not a paragraph.
SERVICE_LENGTH = 120
HEADER_LENGTH = 60

STATUS_WORDS = {
    "completed": (
        "completed",
        "complete",
        "checked out",
        "paid",
        "arrived",
        "checked in",
    ),
    "confirmed": ("confirmed", "booked", "scheduled"),
    "upcoming": ("upcoming", "pending"),
    "cancelled": ("cancelled", "canceled", "late cancel", "late cancellation"),
    "no-show": ("no show", "noshow", "missed"),
}
_STATUS_OF = {word: status for status, names in STATUS_WORDS.items() for word in names}

_YES = {"yes", "y", "true", "1", "new", "new client", "first visit"}
_NO = {"no", "n", "false", "0", "returning", "existing", "returning client", "repeat"}


class FieldError(ValueError):
    """A cell that cannot be read; the message names what was expected."""


def normalise_header(text):
    """A header as compared: lower case, single spaces, no BOM or quotes."""
    text = (text or "").replace("\ufeff", "")
    return " ".join(text.lower().split()).strip(" :")


def header_label(text):
    """A header as shown to the owner (cleaned, short)."""
    return clean_text((text or "").replace("\ufeff", ""), HEADER_LENGTH) or "(blank)"


def match_headers(headers, overrides=None):
    """``{field: column index}`` for ``headers``, with ``--map`` overrides.

    ``overrides`` maps a field to a header (any case) or to '' for "do not
    read this field". Raises FieldError for an unknown field or a header the
    file does not have.
    """
    names = [normalise_header(header) for header in headers]
    overrides = dict(overrides or {})
    mapping, taken = {}, set()
    for field, header in overrides.items():
        if field not in MAPPED_FIELDS:
            raise FieldError(
                f"--map {field}=...: unknown field (known: {', '.join(MAPPED_FIELDS)})"
            )
        if not header.strip():
            continue
        wanted = normalise_header(header)
        if wanted not in names:
            raise FieldError(
                f"--map {field}={header_label(header)}: the file has no such column"
            )
        mapping[field] = names.index(wanted)
        taken.add(mapping[field])
    time_names = {normalise_header(name) for name in HEADER_NAMES[TIME_FIELD]}
    for field in MAPPED_FIELDS:
        if field in overrides:
            continue
        if field == TIME_FIELD and (
            "appointment" not in mapping or names[mapping["appointment"]] in time_names
        ):
            continue  # a time column goes with a date column, never alone
        for candidate in HEADER_NAMES[field]:
            wanted = normalise_header(candidate)
            index = next(
                (
                    i
                    for i, name in enumerate(names)
                    if name == wanted and i not in taken
                ),
                None,
            )
            if index is not None:
                mapping[field] = index
                taken.add(index)
                break
    return mapping


# --- Dates ----------------------------------------------------------------------

_TIME = (
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?"
)
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    rf"(?:[t ]+{_TIME}(?:z|[+-]\d{{2}}:?\d{{2}})?)?"
)
_NUMERIC = re.compile(
    r"(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
    rf"(?:[ ,t]+(?:at\s+)?{_TIME})?"
)
_WRITTEN_MDY = re.compile(
    r"(?:[a-z]+\.?,?\s+)??(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    rf"(?P<y>\d{{4}})(?:[ ,]+(?:at\s+)?{_TIME})?"
)
_WRITTEN_DMY = re.compile(
    r"(?:[a-z]+\.?,?\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[a-z]{3,9})\.?,?\s+"
    rf"(?P<y>\d{{4}})(?:[ ,]+(?:at\s+)?{_TIME})?"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
EXPECTED_DATE = "a date like 03/18/2025, 2025-03-18 or Mar 18, 2025"


def date_order_hint(text):
    """``"MDY"``, ``"DMY"`` or None (ambiguous or not numeric) for one date cell."""
    match = _NUMERIC.fullmatch(" ".join(text.lower().split()))
    if not match:
        return None
    first, second = int(match["a"]), int(match["b"])
    if first > 12 >= second:
        return "DMY"
    if second > 12 >= first:
        return "MDY"
    return None


def is_numeric_date(text):
    """Whether a cell is a date like 03/04/2025 (whose order may matter)."""
    return _NUMERIC.fullmatch(" ".join(text.lower().split())) is not None


def parse_date(text, order, date_format=None):
    """``(date, "HH:MM" or None)`` for one cell; FieldError if it is no date."""
    value = " ".join(text.lower().split())
    if date_format:
        return _forced(text.strip(), date_format)
    if match := _ISO.fullmatch(value):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    elif match := _NUMERIC.fullmatch(value):
        first, second = int(match["a"]), int(match["b"])
        month, day = (second, first) if order == "DMY" else (first, second)
        year = int(match["y"])
        year += 2000 if year < 100 else 0
    elif (match := _WRITTEN_MDY.fullmatch(value)) or (
        match := _WRITTEN_DMY.fullmatch(value)
    ):
        month = _MONTHS.get(match["mon"])
        if month is None:
            raise FieldError(f"not {EXPECTED_DATE}")
        year, day = int(match["y"]), int(match["d"])
    else:
        raise FieldError(f"not {EXPECTED_DATE}")
    try:
        day_value = datetime.date(year, month, day)
    except ValueError:
        raise FieldError(f"not a real date ({EXPECTED_DATE})") from None
    return day_value, _time_of(match)


def _time_of(match):
    """``"HH:MM"`` from a date match's time part, or None."""
    if not match["hour"]:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if not match["minute"] and not ampm:
        raise FieldError(f"not {EXPECTED_DATE} (with a time like 2:30 PM or 14:30)")
    if ampm:
        if not 1 <= hour <= 12:
            raise FieldError("not a real time of day")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise FieldError("not a real time of day")
    return f"{hour:02d}:{minute:02d}"


EXPECTED_TIME = "a time like 2:30 PM or 14:30"
_TIME_ONLY = re.compile(_TIME)


def parse_time(text):
    """``"HH:MM"`` for a time-of-day cell, None when empty; FieldError otherwise."""
    value = " ".join(text.lower().split())
    if not value:
        return None
    match = _TIME_ONLY.fullmatch(value)
    if not match:
        raise FieldError(f"not {EXPECTED_TIME}")
    try:
        return _time_of(match)
    except FieldError:
        raise FieldError(f"not {EXPECTED_TIME}") from None


def is_time(text):
    """Whether a cell is a time of day alone (no date)."""
    try:
        return parse_time(text) is not None
    except FieldError:
        return False


def _forced(text, date_format):
    """A cell read with the owner's ``--date-format``."""
    try:
        moment = datetime.datetime.strptime(text, date_format)
    except ValueError:
        raise FieldError(f"does not match --date-format {date_format}") from None
    has_time = any(code in date_format for code in ("%H", "%I", "%M", "%X", "%c"))
    return moment.date(), moment.strftime("%H:%M") if has_time else None


# --- Prices, statuses, new clients, text ------------------------------------------

_PRICE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?|\.\d{1,2}")


def parse_price(text, currency=""):
    """Cents as an int from "$1,095.50", "95" or "USD 95"; None when empty."""
    value = text.strip()
    for symbol in ("$", "€", "£", "¥", currency.upper(), currency.lower()):
        if symbol:
            value = value.replace(symbol, "")
    value = value.replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if not _PRICE.fullmatch(value):
        raise FieldError("not a price like $95 or 1,095.50")
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise FieldError("not a price like $95 or 1,095.50") from None
    return int((amount * 100).to_integral_value())


def parse_status(text):
    """One of the stored statuses for a platform's word; FieldError otherwise."""
    word = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    if word in _STATUS_OF:
        return _STATUS_OF[word]
    if word.startswith(("cancel", "late cancel")):
        return "cancelled"
    if not word:
        raise FieldError("empty status")
    raise FieldError(
        "unknown status (known: completed, confirmed, upcoming, "
        "cancelled, no-show and their usual words)"
    )


def parse_new_client(text):
    """1, 0 or None (empty) from Yes/No, Y/N, true/false, 1/0, New/Returning."""
    word = " ".join(text.lower().split())
    if not word:
        return None
    if word in _YES:
        return 1
    if word in _NO:
        return 0
    raise FieldError("not Yes/No, Y/N, true/false, 1/0 or New/Returning")


def clean_service(text):
    """A service name as stored."""
    return clean_text(text, SERVICE_LENGTH)
