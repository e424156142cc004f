"""Reading a date or a time cell as the platforms write them.

03/18/2025, 18/03/2025 (the column decides the order), 2025-03-18T14:30:00Z
(a zone is converted to the practice's), Mar 18, 2025 2:30 PM, Tuesday 18
March 2025, and a time alone ("2:30 PM", "14:30", "2:30 PM - 3:30 PM").
"""

import datetime
import re

from .errors import FieldError
from .statuses import listed

_TIME = (
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?"
)
_ZONE = r"(?:\s*(?P<zone>z|utc|gmt|[+-]\d{2}:?\d{2}))?"
_ISO = re.compile(
    r"(?P<y>\d{4})(?P<mark>[-/.])(?P<m>\d{1,2})(?P=mark)(?P<d>\d{1,2})"
    rf"(?:[t ]+{_TIME}{_ZONE})?"
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
# The end of a time range ("2:30 PM - 3:30 PM"): the appointment is its start.
_RANGE_END = re.compile(
    r"(?:\s+-\s*|\s*[–—]\s*|\s+to\s+)\d{1,2}(?::\d{2})?(?::\d{2})?\s*(?:[ap]\.?m\.?)?$"
)
# Month names, January first.
_MONTHS = {
    name: number
    for number, names in enumerate(
        listed(
            "jan january, feb february, mar march, apr april, may, jun june, jul july, "
            "aug august, sep sept september, oct october, nov november, dec december"
        ),
        start=1,
    )
    for name in names.split()
}
EXPECTED_DATE = "a date like 03/18/2025, 2025-03-18 or Mar 18, 2025"
EXPECTED_TIME = "a time like 2:30 PM or 14:30"
_TIME_ONLY = re.compile(_TIME)


def _plain(text):
    """A cell as compared: lower case, single spaces."""
    return " ".join(text.lower().split())


def _numeric_match(text):
    """The match of a date like 03/04/2025 (a time range's end left out), or None."""
    value = _plain(text)
    return _NUMERIC.fullmatch(value) or _NUMERIC.fullmatch(_without_range_end(value))


def date_order_hint(text):
    """``"MDY"``, ``"DMY"`` or None (ambiguous or not numeric) for one date cell."""
    match = _numeric_match(text)
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
    return _numeric_match(text) is not None


def _without_range_end(value):
    """``value`` without the end of a time range it finishes with."""
    return _RANGE_END.sub("", value)


def parse_date(text, order, date_format=None, zone=None):
    """``(date, "HH:MM" or None)`` for one cell; FieldError if it is no date.

    A time with a zone (2025-03-18T21:30:00Z) is converted to ``zone``.
    """
    if date_format:
        return _forced(text.strip(), date_format)
    value = _plain(text)
    try:
        return _parse_date(value, order, zone)
    except FieldError:
        shorter = _without_range_end(value)
        if shorter == value:
            raise
        return _parse_date(shorter, order, zone)


def _parse_date(value, order, zone):
    """``parse_date`` of a cleaned cell, without a time range."""
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
    time = _time_of(match)
    offset = match.groupdict().get("zone")
    if offset and time and zone is not None:
        return _in_zone(day_value, time, offset, zone)
    return day_value, time


def _in_zone(day, time, offset, zone):
    """``(date, "HH:MM")`` of a moment written with a UTC offset, in ``zone``."""
    if offset in ("z", "utc", "gmt"):
        source = datetime.UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        source = datetime.timezone(sign * delta)
    hour, minute = (int(part) for part in time.split(":"))
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), source)
    local = moment.astimezone(zone)
    return local.date(), local.strftime("%H:%M")


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


def parse_time(text):
    """``"HH:MM"`` for a time-of-day cell, None when empty; FieldError otherwise."""
    value = _without_range_end(_plain(text))
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
