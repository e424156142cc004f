"""Who is asking: a request judged once, from its WSGI environ, as a ``Visit``.

Why a request's events are not counted, checked in this order: ``head``
(HEAD requests), ``embedded`` (the browser's Fetch Metadata says no reader
did this: another site's ``<img>``, frame, script or fetch; see
``fetched_by_reader``), ``prefetch`` (a ``Sec-Purpose``/``Purpose``/
``X-Purpose``/``X-Moz`` header), what the User-Agent says (``shared``,
``ai``, ``monitor``, ``bot``: agents.py), ``posing`` (a User-Agent claiming
a browser that always sends Fetch Metadata, on a request without any) and
``owner`` (the logged-in owner).
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask import current_app
from werkzeug.datastructures import MultiDict
from werkzeug.wsgi import get_host

from ..auth.sessions import is_owner
from ..core.http import (
    PREFETCH_HEADERS,
    FetchMetadata,
    current_page_args,
    environ_key,
    fetch_metadata,
    is_history_restore,
    is_potentially_trustworthy,
    origin_is_another_site,
    wants_fragment,
)
from ..core.text import clean_text
from .agents import (
    AGENT_CLASSIFY_LENGTH,
    agent_reason,
    device_and_browser,
    promises_fetch_metadata,
)
from .vocabulary import CALL, CLICK, LIMITS, UTM_FIELDS, UTM_MAX_LENGTH, VIEW, WIDGET

# The WSGI environ keys of the prefetch headers (looked up on every request).
_PREFETCH_ENVIRON_KEYS = tuple(environ_key(name) for name in PREFETCH_HEADERS)

# Where a booking click may come from without the reader's own gesture: our
# pages, a sibling site, an address typed or a bookmark (``none``).
CLICK_SITES = ("same-origin", "same-site", "none")


@dataclass(frozen=True)
class Visit:
    """One request as tracking judges it: held in memory only, never stored as is.

    ``reason`` is why none of its events count, or None for a reader, whose
    address and User-Agent (a pseudonym once journaled: store.py), device,
    browser and referrer's host come with it. ``utm`` is the page's campaign,
    for every request (booking links carry it). ``embedded`` holds the kinds
    the request was not a reader's own doing for (``fetched_by_reader``);
    ``events`` are given when it is recorded (``capture.record``).
    """

    ip: str
    user_agent: str
    reason: str | None
    page: str
    referrer_host: str
    utm: dict
    device: str
    browser: str
    events: tuple = ()
    embedded: frozenset = frozenset()
    fetch: FetchMetadata | None = None

    def reason_for(self, kind):
        """Why this request's events of ``kind`` are not counted, or None."""
        if self.reason != "head" and kind in self.embedded:
            return "embedded"
        return self.reason


def judge(environ, page):
    """The request in ``environ``, judged once: a ``Visit`` of the page ``page``.

    Only the environ is read (never a body: the chooser's answers cannot
    reach a visit), so Flask's views and the fast path judge alike. The
    owner is asked about only when a cookie came (the fast path takes none).
    """
    agent = environ.get("HTTP_USER_AGENT", "")
    short_agent = agent[:AGENT_CLASSIFY_LENGTH]
    fetch = fetch_metadata(environ)
    host = get_host(environ)
    if environ.get("REQUEST_METHOD") == "HEAD":
        reason = "head"
    elif any(key in environ for key in _PREFETCH_ENVIRON_KEYS):
        reason = "prefetch"
    else:
        reason = agent_reason(short_agent)
        # Browsers send Fetch Metadata only to secure origins (HTTPS,
        # localhost): over plain HTTP to another host none is expected.
        if (
            reason is None
            and fetch is None
            and promises_fetch_metadata(short_agent)
            and is_potentially_trustworthy(environ.get("wsgi.url_scheme"), host)
        ):
            reason = "posing"
        # The owner always has a cookie (the session's).
        if reason is None and "HTTP_COOKIE" in environ and is_owner():
            reason = "owner"
    device = browser = referrer = ""
    if reason is None:
        device, browser = device_and_browser(short_agent)
        referrer = referrer_host(environ.get("HTTP_REFERER"), _own_hosts(host))
    return Visit(
        ip=environ.get("REMOTE_ADDR") or "",
        user_agent=agent,
        reason=reason,
        page=clean_text(page, LIMITS["page"]),
        referrer_host=referrer,
        utm=page_utm(environ),
        device=device,
        browser=browser,
        embedded=frozenset(
            kind
            for kind in (VIEW, CLICK, WIDGET, CALL)
            if not fetched_by_reader(kind, fetch, environ, host)
        ),
        fetch=fetch,
    )


def fetched_by_reader(kind, fetch, environ, host):
    """True when a reader's own action can have sent this request for ``kind``.

    The one rule for "embedded or scripted", from the browser's Fetch Metadata
    (``fetch``: ``core.http.fetch_metadata``):

    * ``view``: a page opened in the tab itself (``Sec-Fetch-Dest: document``,
      ``Sec-Fetch-Mode: navigate``), from anywhere; or htmx restoring one of
      our pages from history (a same-origin request of our own script).
    * ``click``: a page opened in the tab, from our pages, a sibling site or
      the address bar; from another site only when the reader clicked
      (``Sec-Fetch-User: ?1``), as on a link shared elsewhere.
    * ``widget``: only a request from our own pages (``same-origin``: htmx, or
      a full page the widget's links opened). Without Fetch Metadata, a
      request whose ``Origin`` names another site (another site's form).
    * ``call``: only our own page's beacon (``same-origin``). Without Fetch
      Metadata, only with an ``Origin`` that is ours: every browser names it
      on a beacon's POST, so a request without one is a script's.

    A request without Fetch Metadata (old browsers, curl) passes: the other
    reasons still apply to it.
    """
    if kind == CALL:
        if fetch is not None and fetch.site:
            return fetch.site == "same-origin"
        origin = environ.get("HTTP_ORIGIN")
        return bool(origin) and not origin_is_another_site(origin, host)
    if kind == WIDGET:
        if fetch is not None and fetch.site:
            return fetch.site == "same-origin"
        return not origin_is_another_site(environ.get("HTTP_ORIGIN"), host)
    if fetch is None:
        return True
    if kind == VIEW:
        if fetch.site == "same-origin" and is_history_restore(environ):
            return True
        return fetch.top_level_navigation
    if kind == CLICK:
        if not fetch.top_level_navigation:
            return False
        return fetch.site in CLICK_SITES or (fetch.site == "cross-site" and fetch.user)
    return True


def page_utm(environ):
    """The UTM parameters of the page being read, cleaned, empty ones left out.

    For an htmx fragment the page's own address arrives in ``HX-Current-URL``:
    its UTM is the page's, so booking buttons inside widgets keep the campaign.
    """
    if wants_fragment(environ):
        args = current_page_args(environ) or {}
    elif "utm_" in environ.get("QUERY_STRING", ""):
        # As Flask's request.args reads it: invalid bytes stay escaped.
        query = environ["QUERY_STRING"].encode("latin-1").decode(errors="replace")
        args = MultiDict(
            parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")
        )
    else:
        return {}  # the common case, checked without parsing the query
    utm = {}
    for name in UTM_FIELDS:
        value = clean_text(args.get(name), UTM_MAX_LENGTH)
        if value:
            utm[name] = value
    return utm


def _own_hosts(host):
    """Host names of this site, whose referrers are internal navigation."""
    hosts = {host.split(":")[0].lower()}
    site_url = current_app.config.get("SITE_URL") or ""
    if site_url:
        hosts.add((urlsplit(site_url).hostname or "").lower())
    return hosts


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
