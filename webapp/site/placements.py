"""Where on the page a booking button or phone link sits, what the owner calls it."""

from urllib.parse import urlsplit

from flask import current_app, url_for

# Every booking button and phone link names its placement; /book and /call
# log anything else as UNKNOWN. The words are what the owner reads on the
# dashboard.
PLACEMENT_LABELS = {
    "practice": "Before you book",
    "header": "Top of the page",
    "byline": "Under the title",
    "after-comparison": "After the comparison",
    "sessions": "Sessions and prices",
    "technique": "In a technique note",
    "chooser-medical": "Chooser: medical massage",
    "chooser-therapeutic": "Chooser: therapeutic massage",
    "chooser-provider-first": "Chooser: see your provider first",
    "chooser-another-day": "Chooser: book another day",
    "article-end": "End of the article",
    "footer": "Page footer",
    "bottom-bar": "Bar at the foot of the screen",
}
PLACEMENTS = tuple(PLACEMENT_LABELS)

# The booking platforms a practice is likely to use, by the host of its
# BOOKING_URL (subdomains included); any other host is named as it is.
BOOKING_PLATFORMS = {
    "massagebook.com": "MassageBook",
    "vagaro.com": "Vagaro",
    "schedulicity.com": "Schedulicity",
    "squareup.com": "Square",
    "square.site": "Square",
    "janeapp.com": "Jane",
    "mindbodyonline.com": "Mindbody",
    "fresha.com": "Fresha",
    "acuityscheduling.com": "Acuity Scheduling",
}
UNKNOWN = "unknown"
# The query parameter naming the article a booking link, phone beacon or
# widget fragment was on (/book and /call count to it: articles.page_of_link).
ARTICLE_PARAM = "article"
UNKNOWN_LABEL = "Unknown button (an old or edited link)"


def normalise_placement(value):
    """The placement if it is a known one, else ``unknown``."""
    return value if value in PLACEMENTS else UNKNOWN


def placement_label(value):
    """What the owner reads for a stored placement."""
    if value == UNKNOWN:
        return UNKNOWN_LABEL
    return PLACEMENT_LABELS.get(value, value)


def article_args(article):
    """``{"article": slug}`` for a link made on a non-home ``article``; home: nothing.

    The home article's links stay as they were before there were several.
    """
    if article is None or article.home:
        return {}
    return {ARTICLE_PARAM: article.slug}


def book_href(placement, utm, article=None):
    """The link for a booking button at ``placement`` on ``article``, with the UTM."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown booking placement {placement!r}")
    return url_for(
        "booking.book", **{"from": placement}, **dict(utm), **article_args(article)
    )


def call_href(placement, article=None):
    """Where a press on the phone link at ``placement`` on ``article`` beacons."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}")
    return url_for(
        "booking.call_beacon", **{"from": placement}, **article_args(article)
    )


def platform_name(booking_url, setting=""):
    """The booking platform's name: the setting, a known host's name, or the host."""
    if setting and setting.strip():
        return setting.strip()
    try:
        host = (urlsplit(booking_url or "").hostname or "").rstrip(".")
    except ValueError:  # a malformed address names no platform
        return ""
    host = host.removeprefix("www.")
    for domain, name in BOOKING_PLATFORMS.items():
        if host == domain or host.endswith("." + domain):
            return name
    return host


def booking_platform():
    """Where the booking buttons lead, for ``partials/_booking_note.html``."""
    config = current_app.config
    return platform_name(config["BOOKING_URL"], config.get("BOOKING_PLATFORM", ""))
