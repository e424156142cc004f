"""From click to client: the article's booking clicks beside imported bookings.

``panel(report, summary, ...)`` lays the period's ``BookingSummary``
(bookings/summary.py, the one source of every booking number) beside the
``Report``'s unique booking clickers, week by week, for the dashboard's panel,
``/stats.json`` and ``flask stats``.

The conversion is website bookings / unique booking clickers: an upper bound,
since other buttons on the practice's own site also lead to website bookings.
With more website bookings than clickers there is no estimate at all (the
other buttons clearly dominate): ``conversion`` stays None and
``more_bookings_than_clickers`` says why.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..bookings.channels import CHANNEL_LABELS, CHANNELS
from ..bookings.summary import BookingSummary
from ..core.calendar import Week
from ..core.formatting import money, money_cents, rate
from ..site.content import get_practice
from .charts import FEW_VISITS, is_rough, span_label

# Past this many weeks, the weekly table leaves out weeks with neither a
# booking click nor a website booking (an "all time" table stays readable).
MAX_QUIET_WEEKS = 13


@dataclass
class WeekRow:
    """One week of the period: unique booking clickers and bookings."""

    start: datetime.date
    label: str
    unique_clickers: int
    website_bookings: int
    bookings: int


@dataclass
class ClickToClient:
    """What the "From click to client" panel shows for one period."""

    summary: BookingSummary
    unique_clickers: int
    weeks: list = field(default_factory=list)
    # Every week, the quiet ones too (for the JSON).
    all_weeks: list = field(default_factory=list)
    # Weeks left out of ``weeks`` because nothing happened in them.
    quiet_weeks_left_out: int = 0
    conversion: float | None = None
    # More website bookings than unique clickers: no estimate (not over 100%).
    more_bookings_than_clickers: bool = False
    # True when there are too few clickers for the conversion to mean much.
    too_few: bool = True
    fees_source: str = ""
    # What the website bookings with a price are worth, in the locale's money:
    # appointments held by the period's end and those still to come.
    value_completed: str = ""
    value_upcoming: str = ""
    # The threshold under which ``too_few`` holds, for the page's words.
    few: int = FEW_VISITS

    @property
    def any_imported(self):
        """Whether the owner has imported any booking at all."""
        return self.summary.any_imported

    @property
    def channels(self):
        """``[(the owner's words for a channel, kept bookings)]``, none empty."""
        by_channel = self.summary.by_channel
        return [(CHANNEL_LABELS[c], by_channel[c]) for c in CHANNELS if by_channel[c]]


def booking_totals(summary):
    """The booking numbers ``flask stats --json`` and ``/stats.json`` share."""
    return {
        "bookings": summary.bookings,
        "website_bookings": summary.website_bookings,
        "new_clients": summary.new_clients,
        # Cancelled and no-show together, as the panel shows them.
        "cancelled": summary.cancelled_or_no_show,
    }


def fee_source(config, platform):
    """Where the fees figure comes from, in one line built from the settings."""
    percent = Decimal(str(config["DIRECTORY_FEE_PERCENT"])).normalize()
    minimum = money(config["DIRECTORY_FEE_MIN"], get_practice().currency)
    who = platform or "Your booking platform"
    return (
        f"{who} charges {percent:f}%, at least {minimum}, per new client from its "
        "directory; none for bookings through your own site."
    )


def panel(report, summary, config, platform=""):
    """The panel's numbers: totals, weeks side by side, conversion, fees avoided."""
    unique_clickers = report.unique_clickers
    board = ClickToClient(summary=summary, unique_clickers=unique_clickers)
    board.all_weeks = board.weeks = weeks(report, summary)
    if len(board.all_weeks) > MAX_QUIET_WEEKS:
        board.weeks = [w for w in board.all_weeks if w.unique_clickers or w.bookings]
        board.quiet_weeks_left_out = len(board.all_weeks) - len(board.weeks)
    board.more_bookings_than_clickers = 0 < unique_clickers < summary.website_bookings
    if not board.more_bookings_than_clickers:
        board.conversion = rate(summary.website_bookings, unique_clickers)
    board.too_few = unique_clickers == 0 or is_rough(unique_clickers)
    currency = get_practice().currency
    if summary.fees_avoided_cents is not None:
        board.fees_source = fee_source(config, platform)
    if summary.website_priced:
        board.value_completed = money_cents(summary.website_completed_cents, currency)
        board.value_upcoming = money_cents(summary.website_upcoming_cents, currency)
    return board


def weeks(report, summary):
    """Each week (Monday first) the period touches, clipped to the period."""
    clickers = Counter()
    for day in report.daily():
        clickers[Week.containing(day["day"])] += day["unique_clickers"]
    with_year = report.start.year != report.end.year
    rows = []
    week = Week.containing(report.start)
    while week.start <= report.end:
        first, last = max(week.start, report.start), min(week.end, report.end)
        label = span_label(first, last, with_year)
        kept, website = summary.by_week.get(week.start.isoformat(), (0, 0))
        rows.append(WeekRow(first, label, clickers[week], website, kept))
        week = week.next()
    return rows


def as_json(board):
    """The panel's numbers for ``/stats.json`` (amounts in cents)."""
    summary = board.summary
    return {
        **booking_totals(summary),
        "website_new_clients": summary.website_new_clients,
        "cancelled_only": summary.cancelled,
        "no_show": summary.no_show,
        # Not confirmed by the platform yet: never among the bookings kept.
        "pending": summary.pending,
        "by_channel": {k: summary.by_channel.get(k, 0) for k in CHANNELS},
        "unique_clickers": board.unique_clickers,
        "conversion_upper_bound": board.conversion,
        "more_bookings_than_clickers": board.more_bookings_than_clickers,
        "too_few_to_judge": board.too_few,
        "fees_avoided_cents": summary.fees_avoided_cents,
        "website_priced": summary.website_priced,
        "website_value_cents": summary.website_value_cents,
        "website_completed_cents": summary.website_completed_cents,
        "website_upcoming_cents": summary.website_upcoming_cents,
        "on_appointment_day": summary.on_appointment_day,
        "coming_later": summary.coming_later,
        "coming_later_website": summary.coming_later_website,
        "weeks": [
            {
                "week": row.start.isoformat(),
                "unique_clickers": row.unique_clickers,
                "website_bookings": row.website_bookings,
                "bookings": row.bookings,
            }
            for row in board.all_weeks
        ],
        "any_imported": summary.any_imported,
    }
