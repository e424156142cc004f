"""HTTP names in one place: htmx and prefetch headers, and the fragment rule."""

from flask import request

HX_REQUEST = "HX-Request"
HX_BOOSTED = "HX-Boosted"
HX_HISTORY_RESTORE = "HX-History-Restore-Request"
# The URL of the page an htmx request comes from (carries the widgets' state).
HX_CURRENT_URL = "HX-Current-URL"

# Headers that browsers send when they fetch a page the reader has not opened.
PREFETCH_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")


def wants_fragment():
    """True for a real htmx request: not a history restore, not boosted."""
    headers = request.headers
    return (
        headers.get(HX_REQUEST) == "true"
        and headers.get(HX_HISTORY_RESTORE) != "true"
        and headers.get(HX_BOOSTED) != "true"
    )


def vary_on_htmx(response):
    """Mark a response that differs by ``HX-Request`` and keep it private."""
    response.vary.add(HX_REQUEST)
    response.cache_control.private = True
    return response
