"""How a booking was made, as one of six channels: the only thing kept of its source.

A platform's source column holds anything from "Book Now Button (Website)" to
"Google search - my coworker Jane Smith recommended you": the text is read
for its words, sorted into a channel, and dropped. Only the channel is stored.
"""

import functools

from ..core.settings import DEFAULTS
from .statuses import listed, status_word

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

# Words the platforms write, matched as whole words, case-blind. A website
# word wins ("Website (Google Maps link)" is still the practice's own site);
# among the others the longest wins ("Reserve with Google" is a directory,
# not Google); WEAK_WORDS count only when nothing else matches. The settings
# BOOKING_WEBSITE_WORDS and BOOKING_DIRECTORY_WORDS add theirs.
BUILT_IN_WORDS = {
    WEBSITE: listed(
        "website, web site, your website, book now, book now button, booking page, "
        "booking site, online booking site, square online, widget, booking widget, "
        "scheduling page, client portal"
    ),
    DIRECTORY: listed(
        "marketplace, directory, listing, reserve with google, book with google, "
        "massagebook marketplace, vagaro, vagaro app, vagaro marketplace, booksy, "
        "booksy app, booksy marketplace, fresha, fresha marketplace, fresha app, "
        "mindbody app, mindbody marketplace, schedulicity app, "
        "schedulicity marketplace, classpass, yelp, groupon"
    ),
    GOOGLE: listed(
        "google, google search, google maps, google business, google business profile, "
        "google my business, google ads"
    ),
    SOCIAL: listed("instagram, facebook, tiktok, social, social media, meta"),
    STAFF: listed(
        "phone, telephone, phone call, called, walk-in, walk in, walkin, staff, "
        "front desk, in person, in-person, admin, provider, business, "
        "added by business, offline, seller, point of sale, pos, register, in store, "
        "in studio, dashboard"
    ),
}
# The most words a phrase above has; a setting's longer phrase is not matched.
LONGEST_PHRASE = 4
# "Booked online" is the practice's own page unless a word says whose;
# "Booked in the app" is the platform's app unless one says which.
WEAK_WORDS = {"online": WEBSITE, "web": WEBSITE, "internet": WEBSITE, "app": DIRECTORY}


def words(setting):
    """The comma-separated keywords of a setting, lower-cased, blanks dropped."""
    if not isinstance(setting, (list, tuple)):
        setting = str(setting or "").split(",")
    return tuple(item.strip().lower() for item in setting if item.strip())


@functools.lru_cache(maxsize=8)
def _word_table(website_words, directory_words):
    """``{phrase: [(tier, built_in, channel)]}``: the built-in and settings' words.

    The tier ranks first: 2 for a website word, 1 for any other, 0 for a weak one.
    """
    entries = [
        (word, channel, 2 if channel == WEBSITE else 1, True)
        for channel, names in BUILT_IN_WORDS.items()
        for word in names
    ]
    entries += [(word, channel, 0, True) for word, channel in WEAK_WORDS.items()]
    entries += [(word, WEBSITE, 2, False) for word in website_words]
    entries += [(word, DIRECTORY, 1, False) for word in directory_words]
    table = {}
    for word, channel, tier, built_in in entries:
        if phrase := status_word(word):
            table.setdefault(phrase, []).append((tier, built_in, channel))
    return table


def channel_of(source, config):
    """One of CHANNELS for a booking's source text ('' or unknown: ``other``)."""
    text = status_word(source)
    if not text:
        return OTHER
    website, directory = (
        _setting_words(config.get(name, DEFAULTS[name]))
        for name in ("BOOKING_WEBSITE_WORDS", "BOOKING_DIRECTORY_WORDS")
    )
    return _channel(text, website, directory)


def _setting_words(setting):
    """``words(setting)``, read once per value of the setting."""
    return _cached_words(tuple(setting) if isinstance(setting, list) else setting)


@functools.lru_cache(maxsize=8)
def _cached_words(setting):
    """``words`` of a hashable setting's value."""
    return words(setting)


@functools.lru_cache(maxsize=1024)
def _channel(text, website_words, directory_words):
    """``channel_of`` for a compared text (an export repeats a few sources)."""
    table = _word_table(website_words, directory_words)
    tokens = text.split()
    best = None
    # Every run of whole words that is a known phrase ("app" is in "Vagaro
    # App", not in "Appleby"), ranked by its tier, then its length; on a tie
    # a built-in word beats a setting's (the default directory words name
    # "google", which is Google's own channel), then the channels' order.
    for start in range(len(tokens)):
        for end in range(start + 1, min(start + LONGEST_PHRASE, len(tokens)) + 1):
            phrase = " ".join(tokens[start:end])
            for tier, built_in, channel in table.get(phrase, ()):
                rank = (tier, len(phrase), built_in, -CHANNELS.index(channel))
                if best is None or rank > best[0]:
                    best = (rank, channel)
    return best[1] if best else OTHER
