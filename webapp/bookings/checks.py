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
# Each fee setting: its most, and what the owner is asked to write.
FEE_SETTINGS = {
    "DIRECTORY_FEE_PERCENT": (MAX_PERCENT, "a plain number from 0 to 100 (15 for 15%)"),
    "DIRECTORY_FEE_MIN": (
        MAX_MINIMUM,
        "a plain amount without a currency sign (6 or 6.50)",
    ),
}


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
    return amount if amount.is_finite() and 0 <= amount <= most else None


def fee_settings(config):
    """``(percent, minimum)`` as Decimals, or None when either cannot be read."""
    amounts = tuple(
        _amount(config.get(name), most) for name, (most, _) in FEE_SETTINGS.items()
    )
    return None if None in amounts else amounts


def fee_problem(config):
    """Why a fee setting cannot be read (None when both can)."""
    for name, (most, expected) in FEE_SETTINGS.items():
        if _amount(value := config.get(name), most) is None:
            return (
                f"FLASK_{name} must be {expected}, not {value!r}: the fees avoided "
                "are left out until then"
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
