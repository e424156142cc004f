"""How a booking was made, as one of six channels: the only thing kept of its source.

A platform's source column holds anything from "Book Now Button (Website)" to
"Google search - my coworker Jane Smith recommended you": the text is read
for its words, sorted into a channel, and dropped. Only the channel is stored.
"""

import re

from ..core.settings import DEFAULTS

WEBSITE = "website"
DIRECTORY = "directory"
GOOGLE = "google"
SOCIAL = "social"
STAFF = "staff"
OTHER = "other"
CHANNELS = (WEBSITE, DIRECTORY, GOOGLE, SOCIAL, STAFF, OTHER)
# How the owner reads each channel (the preview, the CLI, the stats page).
CHANNEL_LABELS = {
    WEBSITE: "Your website",
    DIRECTORY: "A directory or marketplace",
    GOOGLE: "Google",
    SOCIAL: "Social media",
    STAFF: "Phone, staff or walk-in",
    OTHER: "Other or not told",
}

# Words the platforms write, matched as whole words, case-blind. When several
# match, the longest wins ("Reserve with Google" is a directory, not Google).
# The settings BOOKING_WEBSITE_WORDS and BOOKING_DIRECTORY_WORDS add theirs.
BUILT_IN_WORDS = {
    WEBSITE: (
        "website",
        "web site",
        "your website",
        "book now",
        "book now button",
        "booking page",
        "booking site",
        "online booking site",
        "square online",
        "widget",
        "booking widget",
        "scheduling page",
        "client portal",
    ),
    DIRECTORY: (
        "marketplace",
        "directory",
        "listing",
        "reserve with google",
        "book with google",
        "massagebook marketplace",
        "vagaro",
        "vagaro app",
        "vagaro marketplace",
        "booksy",
        "booksy app",
        "booksy marketplace",
        "fresha",
        "fresha marketplace",
        "fresha app",
        "mindbody app",
        "mindbody marketplace",
        "schedulicity app",
        "schedulicity marketplace",
        "classpass",
        "yelp",
        "groupon",
    ),
    GOOGLE: (
        "google",
        "google search",
        "google maps",
        "google business",
        "google business profile",
        "google my business",
        "google ads",
    ),
    SOCIAL: ("instagram", "facebook", "tiktok", "social", "social media", "meta"),
    STAFF: (
        "phone",
        "telephone",
        "phone call",
        "called",
        "walk-in",
        "walk in",
        "walkin",
        "staff",
        "front desk",
        "in person",
        "in-person",
        "admin",
        "provider",
        "business",
    ),
}


def words(setting):
    """The comma-separated keywords of a setting, lower-cased, blanks dropped."""
    if isinstance(setting, (list, tuple)):
        items = setting
    else:
        items = str(setting or "").split(",")
    return tuple(item.strip().lower() for item in items if item.strip())


def _word_table(config):
    """``[(word, channel, built_in)]``: the built-in words and the settings' ones."""
    table = [
        (word, channel, True)
        for channel, names in BUILT_IN_WORDS.items()
        for word in names
    ]
    for channel, setting in (
        (WEBSITE, "BOOKING_WEBSITE_WORDS"),
        (DIRECTORY, "BOOKING_DIRECTORY_WORDS"),
    ):
        table += [
            (word, channel, False)
            for word in words(config.get(setting, DEFAULTS[setting]))
        ]
    return table


def channel_of(source, config):
    """One of CHANNELS for a booking's source text ('' or unknown: ``other``)."""
    text = " ".join((source or "").lower().split())
    if not text:
        return OTHER
    best = None
    for word, channel, built_in in _word_table(config):
        if not _has_word(text, word):
            continue
        # Longest word first; on a tie a built-in word beats a setting's
        # (the default directory words name "google", which is Google's own
        # channel), then the channels' order.
        rank = (len(word), built_in, -CHANNELS.index(channel))
        if best is None or rank > best[0]:
            best = (rank, channel)
    return best[1] if best else OTHER


def _has_word(text, word):
    """Whether ``word`` is in ``text`` as whole words ("app" not in "Appleby")."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
