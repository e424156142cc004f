"""Who is asking: a reader, or a request not to count (and why); device and browser.

Checked in this order: ``head`` (HEAD requests), ``prefetch`` (a
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
from ..core.http import PREFETCH_HEADERS
from ..core.text import clean_text
from .vocabulary import LIMITS

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


def filter_reason():
    """Why the current request must not be counted, or None for a real reader."""
    environ = request.environ
    if environ.get("REQUEST_METHOD") == "HEAD":
        return "head"
    if any(key in environ for key in _PREFETCH_ENVIRON_KEYS):
        return "prefetch"
    reason = agent_reason(environ.get("HTTP_USER_AGENT", "")[:AGENT_CLASSIFY_LENGTH])
    if reason is None and is_owner():
        return "owner"
    return reason


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
