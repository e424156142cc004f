"""How a booking was made: the practice's website, the platform's directory, other."""

WEBSITE = "website"
DIRECTORY = "directory"
OTHER = "other"
CHANNELS = (WEBSITE, DIRECTORY, OTHER)


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
