"""Where on the page a booking button sits, and the link each button uses."""

from urllib.parse import parse_qsl, urlsplit

from flask import request, url_for

from .http import wants_fragment
from .text import clean_text

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

# htmx sends the address of the page that made the request in this header.
HX_CURRENT_URL = "HX-Current-URL"


def normalise_placement(value):
    """The placement if it is a known one, else ``unknown``."""
    return value if value in PLACEMENTS else UNKNOWN


def current_utm():
    """The UTM parameters of the page being read, cleaned, empty ones left out.

    For an htmx fragment the page's own address arrives in ``HX-Current-URL``:
    its UTM is the page's, so booking buttons inside widgets keep the campaign.
    """
    if wants_fragment():
        args = _page_args()
    elif b"utm_" in request.query_string:
        args = request.args
    else:
        return {}  # the common case, checked without parsing the query
    utm = {}
    for field in UTM_FIELDS:
        value = clean_text(args.get(field), UTM_MAX_LENGTH)
        if value:
            utm[field] = value
    return utm


def _page_args():
    """The query arguments of the page an htmx request came from."""
    current_url = request.headers.get(HX_CURRENT_URL, "")
    try:
        query = urlsplit(current_url).query
    except ValueError:  # a malformed URL (bad IPv6 brackets) carries no campaign
        return {}
    args = {}
    for name, value in parse_qsl(query, errors="replace"):
        args.setdefault(name, value)
    return args


def book_href(placement):
    """The link for a booking button at ``placement``, with the visit's UTM."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown booking placement {placement!r}")
    return url_for("booking.book", **{"from": placement}, **current_utm())


def init_app(app):
    """Offer ``book_href`` to templates."""
    app.add_template_global(book_href)
