"""Opening hours in content/practice.yaml: days and times as people write them.

"Monday to Friday", "Tue, Thursday - Saturday" or a list of days; times in
quotes on the 24-hour clock ("09:00"). Each mistake names the key.
"""

import datetime
import re
from typing import Annotated

from pydantic import BeforeValidator, model_validator

from .content import ContentModel, problem

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DAYS = (*DAYS, "Sunday")
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# "Monday to Friday", "Monday - Friday", "Saturday".
RANGE_PATTERN = re.compile(r"\s+to\s+|\s*[-\u2013]\s*")


def _time(value):
    """A time of day written like "09:00" or "18:30" (24-hour clock)."""
    match = TIME_PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        # Unquoted, YAML reads 18:30 as a number (1110): hence the quotes.
        raise problem(
            f' must be a time in quotes, like "09:00" or "18:30" (got {value!r})'
        )
    return datetime.time(int(match[1]), int(match[2]))


def _day(name):
    """The day's index (Monday is 0) for its English name."""
    for index, day in enumerate(DAYS):
        if name.strip().lower() in (day.lower(), day[:3].lower()):
            return index
    raise problem(f" names no day of the week: {name.strip()!r}")


def _days(value):
    """The days "Monday to Friday", "Saturday, Sunday" or a list name, in order."""
    parts = value if isinstance(value, list) else str(value or "").split(",")
    days = []
    for part in parts:
        if not isinstance(part, str) or not part.strip():
            raise problem(' must name days, like "Monday to Friday"')
        ends = RANGE_PATTERN.split(part.strip())
        if len(ends) > 2:
            raise problem(f" names no day of the week: {part.strip()!r}")
        first, last = _day(ends[0]), _day(ends[-1])
        span = range(first, last + 1) if first <= last else [*range(first, 7)]
        if first > last:  # "Saturday to Monday" wraps round the week
            span += range(last + 1)
        days.extend(day for day in span if day not in days)
    if not days:
        raise problem(' must name days, like "Monday to Friday"')
    return tuple(days)


Time = Annotated[datetime.time, BeforeValidator(_time)]
Days = Annotated[tuple[int, ...], BeforeValidator(_days)]


class Hours(ContentModel):
    """One line of opening hours: some days, from one time to another."""

    days: Days
    opens: Time
    closes: Time

    @model_validator(mode="after")
    def _closes_after_opening(self):
        """A day's hours run forwards."""
        if self.closes <= self.opens:
            raise problem(" must be later than 'opens'", at=".closes")
        return self

    @property
    def day_names(self):
        """``Monday to Friday``, ``Saturday`` or ``Monday, Wednesday``."""
        days = self.days
        if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
            return f"{DAYS[days[0]]} to {DAYS[days[-1]]}"
        return ", ".join(DAYS[day] for day in days)
