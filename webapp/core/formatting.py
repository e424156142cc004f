"""How numbers and dates read, on the pages and in the terminal: one rule each.

Dates, times and prices follow the practice's locale (setting ``LOCALE``,
read with Babel): "March 18, 2025" in en_US, "18 March 2025" in en_GB.
"""

import datetime
import functools
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency
from flask import current_app, has_app_context

DEFAULT_LOCALE = "en_US"


def number(value):
    """A count with thousands separators: ``12,345``."""
    return f"{value:,}"


def counted(value, singular, plural=None):
    """A count and its noun, never "(s)": ``1 booking``, ``1,200 bookings``."""
    return f"{number(value)} {singular if value == 1 else plural or singular + 's'}"


def percent(value):
    """A rate (0..1) as a percentage with one decimal, or "n/a"."""
    return "n/a" if value is None else f"{value:.1%}"


def rate(part, whole):
    """``part / whole`` rounded to four places, or None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


@functools.lru_cache(maxsize=8)
def parse_locale(value):
    """Babel's Locale for a name like ``en_US`` (or ``en-US``); None if unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return Locale.parse(value.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def current_locale():
    """The practice's locale; en_US outside an app or for an unusable setting.

    A bad ``LOCALE`` stops start-up (core/checks.py); only owner commands,
    which `flask check` warns about, can get this far with one.
    """
    if has_app_context():
        locale = parse_locale(current_app.config.get("LOCALE"))
        if locale is not None:
            return locale
    return parse_locale(DEFAULT_LOCALE)


def long_date(value, locale=None):
    """A date (or ISO day) spelt out: ``March 18, 2025`` (en_US), ``18 March 2025``."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return format_date(value, "long", locale=locale or current_locale())


def short_date(value, with_year=False, locale=None):
    """``Mar 18`` (en_US) or ``18 Mar`` (en_GB); with the year ``Mar 18, 2025``."""
    skeleton = "yMMMd" if with_year else "MMMd"
    return format_skeleton(skeleton, value, locale=locale or current_locale())


def clock(value, locale=None):
    """A time of day: ``9:00 AM`` (en_US), ``09:00`` (en_GB)."""
    return format_time(value, "short", locale=locale or current_locale())


def money(amount, currency, locale=None):
    """A price: ``$90`` for a whole amount, ``$92.50`` otherwise."""
    locale = locale or current_locale()
    amount = Decimal(str(amount))
    pattern = locale.currency_formats["standard"].pattern
    if amount == amount.to_integral_value():
        pattern = pattern.replace("0.00", "0")
    return format_currency(
        amount, currency, format=pattern, locale=locale, currency_digits=False
    )


def money_cents(cents, currency, locale=None):
    """A price stored in cents (as bookings keep them): ``9250`` -> ``$92.50``."""
    return money(Decimal(cents) / 100, currency, locale)


def init_app(app):
    """Offer the formats to templates as filters: ``{{ n|number }}``."""
    app.add_template_filter(number)
    app.add_template_filter(counted)
    app.add_template_filter(percent)
    app.add_template_filter(long_date)
    app.add_template_filter(clock)
    app.add_template_filter(money)
