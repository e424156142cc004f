"""The periods the owner can look at: presets and a from/to range, validated."""

import datetime
from dataclasses import dataclass

from ..core.calendar import EARLIEST, DayError, parse_day

PRESETS = {
    "today": ("Today", 1),
    "7d": ("Last 7 days", 7),
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
        return Period(start, end, "range", f"{start.isoformat()} to {end.isoformat()}")
    key = args.get("period", DEFAULT_PRESET) or DEFAULT_PRESET
    if key not in PRESETS:
        raise DayError("Choose one of the periods offered.")
    label, days = PRESETS[key]
    if days is None:
        start = max(min(first_day or today, today), EARLIEST)
    else:
        start = today - datetime.timedelta(days=days - 1)
    return Period(start, today, key, label)
