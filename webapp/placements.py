"""Where on the page a booking button sits, and the link each button uses."""

from flask import request, url_for

# Every booking button names its placement; /book logs anything else as UNKNOWN.
PLACEMENTS = (
    "header",
    "after-comparison",
    "technique",
    "chooser-medical",
    "chooser-therapeutic",
    "chooser-provider-first",
    "article-end",
    "footer",
)
UNKNOWN = "unknown"

# Campaign parameters carried from the landing URL into every booking link.
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
UTM_MAX_LENGTH = 100


def normalise_placement(value):
    """The placement if it is a known one, else ``unknown``."""
    return value if value in PLACEMENTS else UNKNOWN


def current_utm():
    """The UTM parameters of the current request, trimmed, empty ones left out."""
    utm = {}
    for field in UTM_FIELDS:
        value = request.args.get(field, "").strip()
        if value:
            utm[field] = value[:UTM_MAX_LENGTH]
    return utm


def book_href(placement):
    """The link for a booking button at ``placement``, with the visit's UTM."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown booking placement {placement!r}")
    return url_for("booking.book", **{"from": placement}, **current_utm())


def init_app(app):
    """Offer ``book_href`` to templates."""
    app.add_template_global(book_href)
