"""How a booking was made: the practice's website, the platform's directory, other."""

import re

from ..core.settings import DEFAULTS
from ..core.text import clean_text

WEBSITE = "website"
DIRECTORY = "directory"
OTHER = "other"
CHANNELS = (WEBSITE, DIRECTORY, OTHER)
# A stored source is a label, not a paragraph.
SOURCE_LENGTH = 120
# Channel words besides the settings' ones whose source text is safe to keep,
# matched as whole words ("app" in "App", not in "Appleby").
SAFE_SOURCE_WORDS = (
    "phone",
    "telephone",
    "walk-in",
    "walk in",
    "staff",
    "front desk",
    "app",
    "email",
    "e-mail",
    "sms",
    "instagram",
    "facebook",
    "tiktok",
    "online",
)
_SAFE_WORD = re.compile(
    r"\b(?:" + "|".join(re.escape(word) for word in SAFE_SOURCE_WORDS) + r")\b"
)


def words(setting):
    """The comma-separated keywords of a setting, lower-cased, blanks dropped."""
    if isinstance(setting, (list, tuple)):
        items = setting
    else:
        items = str(setting or "").split(",")
    return tuple(item.strip().lower() for item in items if item.strip())


def channel_of(source, config):
    """``website``, ``directory`` or ``other`` for a booking's source text."""
    text = (source or "").lower()
    # Website words first: "Website (Google Maps link)" is still our own site.
    if any(word in text for word in words(config["BOOKING_WEBSITE_WORDS"])):
        return WEBSITE
    if any(word in text for word in words(config["BOOKING_DIRECTORY_WORDS"])):
        return DIRECTORY
    return OTHER


def stored_source(text, config):
    """The source text as stored: kept only if it names a known channel, else ""."""
    # A free-text source ("Friend – Jane Smith") may name a person: the text
    # is kept only when it contains a website or directory keyword of the
    # settings (as ``channel_of`` reads them) or a word of SAFE_SOURCE_WORDS;
    # anything else is stored as "" and so counted under ``other``.
    cleaned = clean_text(text, SOURCE_LENGTH)
    lowered = cleaned.lower()
    known = (
        *words(config.get("BOOKING_WEBSITE_WORDS", DEFAULTS["BOOKING_WEBSITE_WORDS"])),
        *words(
            config.get("BOOKING_DIRECTORY_WORDS", DEFAULTS["BOOKING_DIRECTORY_WORDS"])
        ),
    )
    if any(word in lowered for word in known) or _SAFE_WORD.search(lowered):
        return cleaned
    return ""
