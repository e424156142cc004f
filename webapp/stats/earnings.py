"""What the article (or articles) earned in a period, in one plain sentence.

The dashboard's and the weekly letter's first words.
"""

from decimal import ROUND_HALF_UP, Decimal

from ..core.formatting import counted, money, money_cents, number
from .articles import what_articles_bring


def import_first():
    """The first words before any import: what the article (or articles) bring."""
    return f"Import your bookings to see {what_articles_bring()} in."


def answer_sentence(summary, period_words, currency):
    """The period's website bookings, their value and the fees they avoided, in words.

    ``summary`` is the period's ``bookings.summary.BookingSummary``;
    ``period_words`` opens the sentence ("This month", "Nov 30 – Dec 6").
    """
    if not summary.any_imported:
        return import_first()
    later = _coming_later(summary)
    count = summary.website_bookings
    if not count:
        return f"{period_words}: no bookings through your website.{later}"
    new = summary.website_new_clients
    words = f"{period_words}: {counted(count, 'booking')} through your website"
    if new:
        words += f" ({counted(new, 'new client')})"
    words += _value(summary, currency)
    if summary.fees_avoided_cents:
        fees = _whole(summary.fees_avoided_cents)
        who = (
            "the same clients" if new == count else f"the {counted(new, 'new client')}"
        )
        words += (
            f"; {who} through the directory would have cost about "
            f"{money(fees, currency)} in fees"
        )
    return f"{words}.{later}"


def _value(summary, currency):
    """ ", worth $330" (with what is still to come), or why there is no value."""
    if not summary.website_priced:
        return ", with no prices in your import"
    worth = f", worth {money_cents(summary.website_value_cents, currency)}"
    if summary.website_priced < summary.website_bookings:
        worth += f" for the {number(summary.website_priced)} with a price"
    if summary.website_upcoming_cents and summary.website_completed_cents:
        upcoming = money_cents(summary.website_upcoming_cents, currency)
        worth += f" ({upcoming} of it still to come)"
    elif summary.website_upcoming_cents:
        worth += " (all still to come)"
    return worth


def _coming_later(summary):
    """ " 2 more booked for the coming weeks." when bookings count on a later day."""
    if not summary.coming_later:
        return ""
    return f" {number(summary.coming_later)} more booked for the coming weeks."


def _whole(cents):
    """An estimate in cents rounded to whole units (it is "about" anyway)."""
    return (Decimal(cents) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
