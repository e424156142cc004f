"""The periods the owner can look at: presets and a from/to range, validated."""

import datetime
from dataclasses import dataclass

from ..core.calendar import EARLIEST

PRESETS = {
    "today": ("Today", 1),
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "all": ("All time", None),
}
DEFAULT_PRESET = "7d"


class PeriodError(ValueError):
    """The requested period is not valid; the message says why, for the owner."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of days, in the practice's time zone."""

    start: datetime.date
    end: datetime.date
    key: str
    label: str

    @property
    def days(self):
        """How many days the period spans."""
        return (self.end - self.start).days + 1

    def previous(self):
        """The period of the same length just before this one."""
        end = self.start - datetime.timedelta(days=1)
        start = end - datetime.timedelta(days=self.days - 1)
        return Period(start, end, "previous", "Previous period")

    def query_args(self):
        """The URL query that selects this period again."""
        if self.key == "range":
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.key}


def parse_date(value, name):
    """A date from ``YYYY-MM-DD``, or a PeriodError naming the field."""
    try:
        return datetime.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise PeriodError(f"“{name}” must be a date like 2025-03-18.") from None


def parse_period(args, today, first_day=None):
    """Read ``period`` or ``from``/``to`` from query args; raise PeriodError if bad.

    ``first_day`` is the first day with data, the start of "all time".
    """
    start_text, end_text = args.get("from", ""), args.get("to", "")
    if start_text or end_text:
        if not (start_text and end_text):
            raise PeriodError("Choose both a “from” and a “to” date.")
        start = parse_date(start_text, "from")
        end = parse_date(end_text, "to")
        if start > end:
            raise PeriodError("The “from” date must not be after the “to” date.")
        if start < EARLIEST:
            raise PeriodError(f"Dates before {EARLIEST.isoformat()} are not kept.")
        if end > today:
            raise PeriodError("The “to” date cannot be in the future.")
        return Period(start, end, "range", f"{start.isoformat()} to {end.isoformat()}")
    key = args.get("period", DEFAULT_PRESET) or DEFAULT_PRESET
    if key not in PRESETS:
        raise PeriodError("Choose one of the periods offered.")
    label, days = PRESETS[key]
    if days is None:
        start = max(min(first_day or today, today), EARLIEST)
    else:
        start = today - datetime.timedelta(days=days - 1)
    return Period(start, today, key, label)
