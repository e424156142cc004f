"""Imported bookings for a period: the one source of every booking number.

Definitions (a booking counts on its ``day``: the day it was booked when the
export says, else its appointment day; only confirmed import batches count,
not one the owner is still previewing)
    bookings          kept bookings: completed, confirmed or upcoming
                      (``fields.KEPT_STATUSES``).
    website bookings  kept bookings whose channel is the practice's own site.
    new clients       kept bookings marked as a client's first.
    cancelled         cancelled and no-show bookings, counted apart.
    pending           bookings the platform has not confirmed yet: counted
                      apart, never as kept.
    fees avoided      for each new client booked through the website, what
                      the platform's directory would have charged:
                      max(DIRECTORY_FEE_PERCENT of its price, DIRECTORY_FEE_MIN).
                      None when no such booking has a price, or when a fee
                      setting cannot be read (`flask check` names it).
    website value     the prices of the website bookings that have one, those
                      whose appointment is on or before the period's last day
                      (completed) and those after it (upcoming) apart.
    coming later      kept bookings with no "booked on" day whose appointment
                      lies after the period and after today: they count on a
                      day still to come ("2 more booked for the coming weeks").
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..core.calendar import Week
from .channels import WEBSITE
from .checks import fee_settings
from .fields import KEPT_STATUSES

# The bookings of confirmed batches: a batch still in its preview counts nowhere
# (the summary, the exports). Use as ``select ... from bookings join ...``.
CONFIRMED_BOOKINGS = (
    "bookings join import_batches on import_batches.id = bookings.batch"
    " and coalesce(import_batches.confirmed_at, '') != ''"
)


def fee_avoided_cents(price_cents, config):
    """The directory fee a new client at ``price_cents`` avoided; None if unknown."""
    fees = fee_settings(config)
    if fees is None:
        return None
    percent, minimum = fees
    fee = max(Decimal(price_cents) * percent / 100, minimum * 100)
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class BookingSummary:
    """Booking numbers for the days ``start`` to ``end`` (inclusive)."""

    start: datetime.date
    end: datetime.date
    bookings: int = 0
    website_bookings: int = 0
    new_clients: int = 0
    website_new_clients: int = 0
    cancelled: int = 0
    no_show: int = 0
    pending: int = 0
    # None while no new website client has a price (nothing to estimate).
    fees_avoided_cents: int | None = None
    # Kept bookings by channel (``channels.CHANNELS``).
    by_channel: Counter = field(default_factory=Counter)
    # ISO day -> kept bookings; ISO Monday -> (kept, website).
    by_day: Counter = field(default_factory=Counter)
    by_week: dict = field(default_factory=dict)
    # Whether any booking at all has been imported (ever, not just this period).
    any_imported: bool = False
    # Website bookings with a price, and the sum of those prices, with the
    # appointment on or before the period's last day (completed) or after it.
    website_priced: int = 0
    website_completed_cents: int = 0
    website_upcoming_cents: int = 0
    # Kept bookings counted on their appointment day (no "booked on" day).
    on_appointment_day: int = 0
    # Kept bookings with no "booked on" day, appointment after the period and
    # after today: counted on a day still to come. Website ones among them.
    coming_later: int = 0
    coming_later_website: int = 0

    @property
    def website_value_cents(self):
        """What the website bookings with a price are worth, in cents."""
        return self.website_completed_cents + self.website_upcoming_cents

    @property
    def cancelled_or_no_show(self):
        """Cancelled and no-show bookings together."""
        return self.cancelled + self.no_show


def summarise(db, start, end, config, today=None):
    """Read the bookings of ``start``..``end`` into a ``BookingSummary``.

    ``today`` (default ``end``) tells which later bookings are still to come.
    """
    summary = BookingSummary(start=start, end=end)
    if not db["bookings"].exists():
        return summary
    # CONFIRMED_BOOKINGS is our own constant, never input: S608 does not apply.
    any_row = f"select 1 from {CONFIRMED_BOOKINGS} limit 1"  # noqa: S608
    summary.any_imported = db.execute(any_row).fetchone() is not None
    rows = db.execute(
        "select day, booked_on, appointment, status, channel, new_client,"  # noqa: S608
        f" price_cents from {CONFIRMED_BOOKINGS} where day between ? and ?",
        [start.isoformat(), end.isoformat()],
    ).fetchall()
    fees = None
    last_day = end.isoformat()
    for day, booked_on, appointment, status, channel, new_client, price in rows:
        if status not in KEPT_STATUSES:
            summary.cancelled += status == "cancelled"
            summary.no_show += status == "no-show"
            summary.pending += status == "pending"
            continue
        summary.bookings += 1
        summary.on_appointment_day += not booked_on
        summary.by_channel[channel] += 1
        summary.by_day[day] += 1
        week = Week.containing(day).start.isoformat()
        kept, website = summary.by_week.get(week, (0, 0))
        summary.by_week[week] = (kept + 1, website + (channel == WEBSITE))
        if new_client:
            summary.new_clients += 1
        if channel != WEBSITE:
            continue
        summary.website_bookings += 1
        if price is not None:
            summary.website_priced += 1
            if appointment[:10] <= last_day:
                summary.website_completed_cents += price
            else:
                summary.website_upcoming_cents += price
        if new_client:
            summary.website_new_clients += 1
            if price is not None:
                fee = fee_avoided_cents(price, config)
                fees = fees if fee is None else (fees or 0) + fee
    summary.fees_avoided_cents = fees
    _count_coming_later(db, summary, max(end, today or end))
    return summary


def _count_coming_later(db, summary, after):
    """Kept bookings with no "booked on" day, their appointment after ``after``."""
    kept = ", ".join("?" * len(KEPT_STATUSES))
    later = db.execute(
        f"select count(*), coalesce(sum(channel = ?), 0) from {CONFIRMED_BOOKINGS}"  # noqa: S608
        f" where day > ? and coalesce(booked_on, '') = '' and status in ({kept})",
        [WEBSITE, after.isoformat(), *KEPT_STATUSES],
    ).fetchone()
    summary.coming_later, summary.coming_later_website = later
