"""`flask check`'s line for the bookings settings, and reading the fee settings.

A bad value here never stops start-up: it spoils only the owner's booking
numbers (the readers' site is unaffected), so `flask check` names it, and a
fee setting that cannot be read leaves the fees avoided unestimated instead
of failing a page or the weekly letter (``fee_settings``).
"""

from decimal import Decimal, InvalidOperation

from ..core.checks import Result
from ..core.settings import DEFAULTS
from .channels import CHANNEL_LABELS, DIRECTORY, WEBSITE, channel_of, words

NAME = "bookings"
DATE_ORDERS = ("MDY", "DMY")
# Beyond these a fee is a typo, and Decimal's 28 digits could overflow.
MAX_PERCENT = Decimal(100)
MAX_MINIMUM = Decimal(10) ** 9


def _fail(problem):
    """A failed check of the bookings settings."""
    return Result(NAME, problem, problem)


def _amount(value, most):
    """``value`` as a Decimal from 0 to ``most``; None if it cannot be one."""
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not amount.is_finite() or not 0 <= amount <= most:
        return None
    return amount


def fee_settings(config):
    """``(percent, minimum)`` as Decimals, or None when either cannot be read."""
    percent = _amount(config.get("DIRECTORY_FEE_PERCENT"), MAX_PERCENT)
    minimum = _amount(config.get("DIRECTORY_FEE_MIN"), MAX_MINIMUM)
    if percent is None or minimum is None:
        return None
    return percent, minimum


def fee_problem(config):
    """Why a fee setting cannot be read (None when both can)."""
    if _amount(config.get("DIRECTORY_FEE_PERCENT"), MAX_PERCENT) is None:
        value = config.get("DIRECTORY_FEE_PERCENT")
        return (
            "FLASK_DIRECTORY_FEE_PERCENT must be a plain number from 0 to 100 "
            f"(15 for 15%), not {value!r}: the fees avoided are left out until then"
        )
    if _amount(config.get("DIRECTORY_FEE_MIN"), MAX_MINIMUM) is None:
        value = config.get("DIRECTORY_FEE_MIN")
        return (
            "FLASK_DIRECTORY_FEE_MIN must be a plain amount without a currency "
            f"sign (6 or 6.50), not {value!r}: the fees avoided are left out "
            "until then"
        )
    return None


def words_problem(config):
    """Why a word of the source settings would do nothing (None if none would)."""
    # Asked of the one rule that reads sources (channels.channel_of): a
    # directory word holding a website word ("website listing") reads as the
    # website, one a built-in list gives another channel ("instagram") as
    # that one. The defaults' own such words ("google") are known.
    for channel, name in ((WEBSITE, "WEBSITE"), (DIRECTORY, "DIRECTORY")):
        setting = f"BOOKING_{name}_WORDS"
        known = set(words(DEFAULTS[setting]))
        for word in words(config.get(setting)):
            found = channel_of(word, config)
            if found != channel and word not in known:
                return (
                    f"FLASK_{setting} has {word!r}, which is read as "
                    f"“{CHANNEL_LABELS[found]}”: bookings with it would not count "
                    f"as “{CHANNEL_LABELS[channel]}”"
                )
    return None


def check_bookings(config):
    """The bookings settings: date order, source words, directory fee."""
    order = config.get("DATE_ORDER")
    if str(order).upper() not in DATE_ORDERS:
        return _fail(
            "FLASK_DATE_ORDER must be MDY (03/04/2025 is March 4) or DMY "
            f"(3 April), not {order!r}"
        )
    # The currency is the practice's (content/practice.yaml checks it).
    currency = config.get("CURRENCY") or "the practice's currency"
    problem = words_problem(config) or fee_problem(config)
    if problem:
        return _fail(problem)
    percent, minimum = fee_settings(config)
    return Result(
        NAME,
        f"dates {str(order).upper()}, prices in {currency}, directory fee "
        f"{percent.normalize():f}% (at least {minimum.normalize():f})",
    )
