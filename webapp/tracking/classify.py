"""Who is asking: a reader, or a request not to count (and why).

Checked in this order: ``head`` (HEAD requests), ``embedded`` (the browser's
Fetch Metadata says no reader did this: another site's ``<img>``, frame,
script or fetch; see ``fetched_by_reader``), ``prefetch`` (a
``Sec-Purpose``/``Purpose``/``X-Purpose``/``X-Moz`` header), what the
User-Agent says (``shared``, ``ai``, ``monitor``, ``bot``: agents.py),
``posing`` (a User-Agent claiming a browser that always sends Fetch Metadata,
on a request without any) and ``owner`` (the logged-in owner).
"""

from urllib.parse import urlsplit

from flask import request

from ..auth.sessions import is_owner
from ..core.http import (
    PREFETCH_HEADERS,
    environ_key,
    fetch_metadata,
    is_history_restore,
    is_potentially_trustworthy,
    origin_is_another_site,
)
from ..core.text import clean_text
from .agents import (
    AGENT_CLASSIFY_LENGTH,
    agent_reason,
    device_and_browser,
    promises_fetch_metadata,
)
from .vocabulary import CLICK, LIMITS, VIEW, WIDGET

__all__ = [
    "AGENT_CLASSIFY_LENGTH",
    "device_and_browser",
    "fetched_by_reader",
    "filter_reason",
    "is_posing_as_browser",
    "referrer_host",
]

# The WSGI environ keys of the prefetch headers (looked up on every request).
_PREFETCH_ENVIRON_KEYS = tuple(environ_key(name) for name in PREFETCH_HEADERS)


# Where a booking click may come from without the reader's own gesture: our
# pages, a sibling site, an address typed or a bookmark (``none``).
CLICK_SITES = ("same-origin", "same-site", "none")


def filter_reason(kind=None, req=None):
    """Why the request's (or ``req``'s) events of ``kind`` must not be counted, or None.

    Without ``kind`` only what holds for every kind is checked (not
    ``embedded``).
    """
    environ = (req or request).environ
    if environ.get("REQUEST_METHOD") == "HEAD":
        return "head"
    if kind is not None and not fetched_by_reader(kind, req):
        return "embedded"
    if any(key in environ for key in _PREFETCH_ENVIRON_KEYS):
        return "prefetch"
    agent = environ.get("HTTP_USER_AGENT", "")[:AGENT_CLASSIFY_LENGTH]
    reason = agent_reason(agent)
    if reason is None and is_posing_as_browser(agent, req):
        reason = "posing"
    # The owner always has a cookie (the session's): a request without one
    # is never the owner's, and needs no session (the fast path has none).
    if reason is None and "HTTP_COOKIE" in environ and is_owner():
        return "owner"
    return reason


def is_posing_as_browser(agent, req=None):
    """True when ``agent`` claims a browser whose Fetch Metadata this request lacks.

    Browsers send Fetch Metadata only to secure origins (HTTPS, localhost):
    over plain HTTP to another host nothing is expected.
    """
    return (
        promises_fetch_metadata(agent)
        and fetch_metadata(req) is None
        and is_potentially_trustworthy(req)
    )


def fetched_by_reader(kind, req=None):
    """True when a reader's own action can have sent this request for ``kind``.

    The one rule for "embedded or scripted", from the browser's Fetch Metadata
    (``core.http.fetch_metadata``):

    * ``view``: a page opened in the tab itself (``Sec-Fetch-Dest: document``,
      ``Sec-Fetch-Mode: navigate``), from anywhere; or htmx restoring one of
      our pages from history (a same-origin request of our own script).
    * ``click``: a page opened in the tab, from our pages, a sibling site or
      the address bar; from another site only when the reader clicked
      (``Sec-Fetch-User: ?1``), as on a link shared elsewhere.
    * ``widget``: only a request from our own pages (``same-origin``: htmx, or
      a full page the widget's links opened). Without Fetch Metadata, a
      request whose ``Origin`` names another site (another site's form).

    A request without Fetch Metadata (old browsers, curl) passes: the other
    reasons still apply to it.
    """
    metadata = fetch_metadata(req)
    if kind == WIDGET:
        if metadata is not None and metadata.site:
            return metadata.site == "same-origin"
        return not origin_is_another_site(req)
    if metadata is None:
        return True
    if kind == VIEW:
        if metadata.site == "same-origin" and is_history_restore(req):
            return True
        return metadata.top_level_navigation
    if kind == CLICK:
        if not metadata.top_level_navigation:
            return False
        return metadata.site in CLICK_SITES or (
            metadata.site == "cross-site" and metadata.user
        )
    return True


def referrer_host(referrer, own_hosts=()):
    """The host of a Referer URL; '' when absent, malformed or our own site."""
    if not referrer:
        return ""
    try:
        host = urlsplit(referrer.strip()).hostname or ""
    except ValueError:
        return ""
    host = clean_text(host, LIMITS["referrer_host"]).rstrip(".")
    return "" if host in own_hosts else host
