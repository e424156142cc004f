"""Where on the page a booking button sits, what the owner calls it, its link."""

from flask import url_for

from ..tracking.capture import current_utm

# Every booking button names its placement; /book logs anything else as UNKNOWN.
# The words are what the owner reads on the dashboard.
PLACEMENT_LABELS = {
    "header": "Top of the page",
    "after-comparison": "After the comparison",
    "technique": "In a technique note",
    "chooser-medical": "Chooser: medical massage",
    "chooser-therapeutic": "Chooser: therapeutic massage",
    "chooser-provider-first": "Chooser: see your provider first",
    "article-end": "End of the article",
    "footer": "Page footer",
}
PLACEMENTS = tuple(PLACEMENT_LABELS)
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Unknown button (an old or edited link)"


def normalise_placement(value):
    """The placement if it is a known one, else ``unknown``."""
    return value if value in PLACEMENTS else UNKNOWN


def placement_label(value):
    """What the owner reads for a stored placement."""
    if value == UNKNOWN:
        return UNKNOWN_LABEL
    return PLACEMENT_LABELS.get(value, value)


def book_href(placement):
    """The link for a booking button at ``placement``, with the visit's UTM."""
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown booking placement {placement!r}")
    return url_for("booking.book", **{"from": placement}, **current_utm())
