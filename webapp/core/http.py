"""HTTP names in one place: htmx and prefetch headers, the fragment rule, the page."""

from urllib.parse import parse_qsl, urlsplit

from flask import request
from werkzeug.datastructures import MultiDict

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


def is_history_restore():
    """True when htmx asks for a page to restore it from history."""
    return request.headers.get(HX_HISTORY_RESTORE) == "true"


def current_page():
    """The split URL of the page an htmx request comes from, or None.

    A missing header and a malformed one (bad IPv6 brackets, say) both mean
    "no page": never an error.
    """
    url = request.headers.get(HX_CURRENT_URL)
    if not url:
        return None
    try:
        return urlsplit(url)
    except ValueError:
        return None


def current_page_args():
    """The query arguments of the page an htmx request comes from, or None."""
    page = current_page()
    if page is None:
        return None
    return MultiDict(parse_qsl(page.query, errors="replace"))


def from_another_site():
    """True when the browser says another site sent this request.

    A form on another site can post to ours; what it sends is answered but
    never counted. Browsers name the sender in ``Sec-Fetch-Site`` (and in
    ``Origin`` for a POST); a request with neither is taken as our own.
    """
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin == "null"  # a sandboxed frame or a privacy redirect
    try:
        return urlsplit(origin).netloc.lower() != (request.host or "").lower()
    except ValueError:
        return True


def vary_on_htmx(response):
    """Mark a response that differs by ``HX-Request`` and keep it private."""
    response.vary.add(HX_REQUEST)
    response.cache_control.private = True
    return response
