"""The periods the owner can look at: presets and a from/to range, validated."""

import datetime
from dataclasses import dataclass

from babel.dates import format_interval

from ..core.calendar import EARLIEST, DayError, parse_day
from ..core.formatting import current_locale

# key -> (the owner's words, days back from today); the months are calendar
# months, "all" runs from the first day with data.
MONTH, LAST_MONTH = "month", "last-month"
PRESETS = {
    "today": ("Today", 1),
    "7d": ("Last 7 days", 7),
    MONTH: ("This month", None),
    LAST_MONTH: ("Last month", None),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "all": ("All time", None),
}
DEFAULT_PRESET = "7d"


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

    @property
    def dates(self):
        """The days in the practice's locale: ``Nov 7 – Dec 6, 2026``."""
        return format_interval(self.start, self.end, "yMMMd", locale=current_locale())

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


def parse_period(args, today, first_day=None):
    """Read ``period`` or ``from``/``to`` from query args; raise DayError if bad.

    ``first_day`` is the first day with data, the start of "all time".
    """
    start_text, end_text = args.get("from", ""), args.get("to", "")
    if start_text or end_text:
        if not (start_text and end_text):
            raise DayError("Choose both a “from” and a “to” date.")
        start = parse_day(start_text, today, "“from”")
        end = parse_day(end_text, today, "“to”")
        if start > end:
            raise DayError("The “from” date must not be after the “to” date.")
        return _range(start, end)
    key = args.get("period", DEFAULT_PRESET) or DEFAULT_PRESET
    if key not in PRESETS:
        raise DayError("Choose one of the periods offered.")
    label, days = PRESETS[key]
    end = today
    if key == MONTH:
        start = today.replace(day=1)
    elif key == LAST_MONTH:
        end = today.replace(day=1) - datetime.timedelta(days=1)
        start = end.replace(day=1)
    elif days is None:
        start = max(min(first_day or today, today), EARLIEST)
    else:
        start = today - datetime.timedelta(days=days - 1)
    return Period(start, end, key, label)


def _range(start, end):
    """The period of two typed days, named by its dates."""
    period = Period(start, end, "range", "")
    return Period(start, end, "range", period.dates)
