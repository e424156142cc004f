"""The practice's calendar: today, a day the owner typed, Monday-to-Sunday weeks.

Every date the owner types (a dashboard range, a note's day, the letter's
week) is read by ``parse_day``, with one wording for a mistake and one
earliest day.
"""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from flask import current_app

from .formatting import current_locale

# The oldest date anyone may ask for or write a note on: keeps ranges, charts
# and notes inside the years the site can have data for.
EARLIEST = datetime.date(2020, 1, 1)
# fromisoformat alone also takes "20250318" and week dates: ask for one spelling.
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class DayError(ValueError):
    """A typed-in day that cannot be read or is out of range, in the owner's words."""


def practice_zone(app=None):
    """The practice's time zone (``TIME_ZONE``; zoneinfo keeps each one made)."""
    return zone_of((app or current_app).config)


def zone_of(config):
    """The time zone a mapping of settings names (UTC when it names none)."""
    # Start-up refuses a zone zoneinfo does not know, so only a bare mapping
    # (the bookings reader's tests) ever lacks one.
    return ZoneInfo(config.get("TIME_ZONE") or "UTC")


def today(tz=None):
    """Today's date in ``tz`` (by default the practice's time zone)."""
    return datetime.datetime.now(datetime.UTC).astimezone(tz or practice_zone()).date()


def parse_day(text, latest, what="the day"):
    """The day typed as ``YYYY-MM-DD``, from EARLIEST to ``latest``; or DayError.

    ``what`` names the field in the message; what was typed is never repeated.
    """
    raw = str(text or "").strip()
    if not raw:
        raise DayError(f"Choose {what} (a date like 2025-03-18).")
    field = what[:1].upper() + what[1:]
    try:
        if not ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise DayError(f"{field} must be a date like 2025-03-18.") from None
    if not EARLIEST <= day <= latest:
        raise DayError(
            f"{field} must be between {EARLIEST.isoformat()} and"
            f" {latest.isoformat()}: the dashboard shows no other days."
        )
    return day


@dataclass(frozen=True)
class Week:
    """A week, Monday to Sunday."""

    start: datetime.date

    @classmethod
    def containing(cls, day):
        """The week ``day`` (a date or ``YYYY-MM-DD``) falls in."""
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        return cls(day - datetime.timedelta(days=day.weekday()))

    @property
    def end(self):
        """The week's Sunday."""
        return self.start + datetime.timedelta(days=6)

    @property
    def label(self):
        """``Nov 23–29`` (en_US) or ``23–29 Nov`` (en_GB)."""
        return format_interval(self.start, self.end, "MMMd", locale=current_locale())

    def previous(self):
        """The week before."""
        return Week(self.start - datetime.timedelta(days=7))

    def next(self):
        """The week after."""
        return Week(self.start + datetime.timedelta(days=7))

    @classmethod
    def before(cls, day, count):
        """The ``count`` full weeks before the one ``day`` falls in, newest first."""
        week = cls.containing(day)
        return [(week := week.previous()) for _ in range(count)]
