"""Who is asking: a reader, or a request not to count (and why); device and browser.

Checked in this order: ``head`` (HEAD requests), ``embedded`` (the browser's
Fetch Metadata says no reader did this: another site's ``<img>``, frame,
script or fetch; see ``fetched_by_reader``), ``prefetch`` (a
``Sec-Purpose``/``Purpose``/``X-Purpose``/``X-Moz`` header), ``shared``
(link-preview fetchers of chat and social apps), ``bot`` (crawlerdetect, or
no User-Agent at all) and ``owner`` (the logged-in owner).
"""

import functools
from urllib.parse import urlsplit

import user_agents
from crawlerdetect import CrawlerDetect
from flask import request

from ..auth.sessions import is_owner
from ..core.http import (
    PREFETCH_HEADERS,
    fetch_metadata,
    is_history_restore,
    origin_is_another_site,
)
from ..core.text import clean_text
from .vocabulary import CLICK, LIMITS, VIEW, WIDGET

# User-Agents are classified (and cached) by their first characters: real
# ones are far shorter, and a flood of huge made-up ones cannot fill memory.
AGENT_CLASSIFY_LENGTH = 512

# Link-preview fetchers of chat and social apps: crawlerdetect knows them as
# crawlers but cannot tell a preview (someone shared the link) from indexing.
# iMessage previews as "facebookexternalhit ... Facebot Twitterbot".
LINK_PREVIEW_AGENTS = (
    "whatsapp",
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot-linkexpanding",
    "slack-imgproxy",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "skypeuripreview",
    "pinterestbot",
    "redditbot",
    "mastodon",
    "bluesky",
    "viber",
    "snapchat",
    "iframely",
    "embedly",
)

_crawlers = CrawlerDetect()

# The WSGI environ keys of the prefetch headers (looked up on every request).
_PREFETCH_ENVIRON_KEYS = tuple(
    "HTTP_" + name.upper().replace("-", "_") for name in PREFETCH_HEADERS
)


# Where a booking click may come from without the reader's own gesture: our
# pages, a sibling site, an address typed or a bookmark (``none``).
CLICK_SITES = ("same-origin", "same-site", "none")


def filter_reason(kind=None):
    """Why the current request's events of ``kind`` must not be counted, or None.

    Without ``kind`` only what holds for every kind is checked (not
    ``embedded``).
    """
    environ = request.environ
    if environ.get("REQUEST_METHOD") == "HEAD":
        return "head"
    if kind is not None and not fetched_by_reader(kind):
        return "embedded"
    if any(key in environ for key in _PREFETCH_ENVIRON_KEYS):
        return "prefetch"
    reason = agent_reason(environ.get("HTTP_USER_AGENT", "")[:AGENT_CLASSIFY_LENGTH])
    if reason is None and is_owner():
        return "owner"
    return reason


def fetched_by_reader(kind):
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
    metadata = fetch_metadata()
    if kind == WIDGET:
        if metadata is not None and metadata.site:
            return metadata.site == "same-origin"
        return not origin_is_another_site()
    if metadata is None:
        return True
    if kind == VIEW:
        if metadata.site == "same-origin" and is_history_restore():
            return True
        return metadata.top_level_navigation
    if kind == CLICK:
        if not metadata.top_level_navigation:
            return False
        return metadata.site in CLICK_SITES or (
            metadata.site == "cross-site" and metadata.user
        )
    return True


@functools.lru_cache(maxsize=2048)
def agent_reason(agent):
    """``shared``, ``bot`` or None for a User-Agent (cached: agents repeat)."""
    if is_link_preview(agent):
        return "shared"
    # A browser always says what it is; a request without a User-Agent is a
    # script. Otherwise crawlerdetect decides.
    if not agent.strip() or _crawlers.is_crawler(agent):
        return "bot"
    return None


def is_link_preview(agent):
    """True for the fetcher of a chat or social app building a link preview."""
    agent = agent.lower()
    return any(name in agent for name in LINK_PREVIEW_AGENTS)


@functools.lru_cache(maxsize=2048)
def device_and_browser(agent):
    """``(device class, browser family)`` of a User-Agent string."""
    parsed = user_agents.parse(agent)
    if parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    else:
        device = "desktop"
    return device, clean_text(parsed.browser.family, LIMITS["browser"])


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
