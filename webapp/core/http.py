"""HTTP names in one place: htmx, prefetch and Fetch Metadata headers, the
fragment rule, the page."""

from dataclasses import dataclass
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

# Fetch Metadata: who sent a request and what for (see ``fetch_metadata``).
SEC_FETCH_SITE = "Sec-Fetch-Site"
SEC_FETCH_MODE = "Sec-Fetch-Mode"
SEC_FETCH_DEST = "Sec-Fetch-Dest"
SEC_FETCH_USER = "Sec-Fetch-User"


def environ_key(header):
    """The WSGI environ key of a header: ``Sec-Fetch-Site``: ``HTTP_SEC_FETCH_SITE``."""
    return "HTTP_" + header.upper().replace("-", "_")


# Read straight from the environ: these are asked on every counted request.
_HX_REQUEST_KEY = environ_key(HX_REQUEST)
_HX_HISTORY_RESTORE_KEY = environ_key(HX_HISTORY_RESTORE)
_HX_BOOSTED_KEY = environ_key(HX_BOOSTED)
_HX_CURRENT_URL_KEY = environ_key(HX_CURRENT_URL)
_FETCH_KEYS = tuple(
    environ_key(name)
    for name in (SEC_FETCH_SITE, SEC_FETCH_MODE, SEC_FETCH_DEST, SEC_FETCH_USER)
)

# The functions below read a WSGI environ (tracking judges a request from
# its own, the fast path's too: site/fast_path.py); the two that other
# packages ask about the current request read Flask's when given none.


def wants_fragment(environ=None):
    """True for a real htmx request: not a history restore, not boosted."""
    environ = request.environ if environ is None else environ
    return (
        environ.get(_HX_REQUEST_KEY) == "true"
        and environ.get(_HX_HISTORY_RESTORE_KEY) != "true"
        and environ.get(_HX_BOOSTED_KEY) != "true"
    )


def is_history_restore(environ):
    """True when htmx asks for a page to restore it from history."""
    return environ.get(_HX_HISTORY_RESTORE_KEY) == "true"


def current_page(environ=None):
    """The split URL of the page an htmx request comes from, or None.

    A missing header and a malformed one (bad IPv6 brackets, say) both mean
    "no page": never an error.
    """
    environ = request.environ if environ is None else environ
    url = environ.get(_HX_CURRENT_URL_KEY)
    if not url:
        return None
    try:
        return urlsplit(url)
    except ValueError:
        return None


def current_page_args(environ):
    """The query arguments of the page an htmx request comes from, or None."""
    page = current_page(environ)
    if page is None:
        return None
    return MultiDict(parse_qsl(page.query, errors="replace"))


@dataclass(frozen=True)
class FetchMetadata:
    """What the browser says a request is (its ``Sec-Fetch-*`` headers).

    ``site``: ``same-origin``, ``same-site``, ``cross-site`` or ``none`` (an
    address typed, a bookmark); ``mode``: ``navigate``, ``cors``, ``no-cors``...;
    ``dest``: ``document`` (a tab's page), ``iframe``, ``image``, ``script``,
    ``empty`` (fetch, XMLHttpRequest)...; ``user``: the reader activated it
    (``Sec-Fetch-User: ?1``: a click, a key press). A header left out is ''.
    """

    site: str
    mode: str
    dest: str
    user: bool

    @property
    def top_level_navigation(self):
        """True for a page opened in the tab itself (not a frame, image or fetch)."""
        return self.dest == "document" and self.mode == "navigate"


def fetch_metadata(environ):
    """The request's Fetch Metadata, or None when it has none (old browsers, curl).

    Every current browser sends ``Sec-Fetch-Site``, ``-Mode`` and ``-Dest``
    with every request; a script can leave them out, but then it is not a
    reader's browser at work.
    """
    site, mode, dest, user = map(environ.get, _FETCH_KEYS)
    if site is None and mode is None and dest is None:
        return None
    return FetchMetadata(
        site=(site or "").strip().lower(),
        mode=(mode or "").strip().lower(),
        dest=(dest or "").strip().lower(),
        user=(user or "").strip() == "?1",
    )


# Hosts a browser treats as secure over plain HTTP.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def is_potentially_trustworthy(scheme, host):
    """True when browsers send this request their Fetch Metadata: HTTPS or loopback.

    Browsers add ``Sec-Fetch-*`` only for potentially trustworthy URLs, so
    over plain HTTP to another address (a phone on the owner's network trying
    ``make run``) their absence says nothing.
    """
    if scheme == "https":
        return True
    try:
        host = urlsplit("//" + host).hostname or ""
    except ValueError:
        return False
    return (
        host in LOOPBACK_HOSTS or host.endswith(".localhost") or host.startswith("127.")
    )


def origin_is_another_site(origin, host):
    """True when the ``Origin`` header names another site (or is ``null``).

    Browsers without Fetch Metadata still send ``Origin`` with a POST from
    another site; a request without it is taken as our own.
    """
    if not origin or origin == "null":
        return origin == "null"  # a sandboxed frame or a privacy redirect
    try:
        return urlsplit(origin).netloc.lower() != (host or "").lower()
    except ValueError:
        return True


def vary_on_htmx(response):
    """Mark a response that differs by ``HX-Request`` and keep it private."""
    response.vary.add(HX_REQUEST)
    response.cache_control.private = True
    return response
