"""What a User-Agent string says: a reader, a link preview, or which kind of bot.

Three kinds of visitor (``agent_reason``):

* a **reader**: a person in a browser, an in-app browser (Snapchat, Viber,
  Instagram, Facebook, TikTok, LinkedIn, Pinterest, Yelp, the Google
  app...), a text browser or a mail client opening a link (Outlook, on iOS
  too): ``None``;
* a **link preview**: a chat or social app's fetcher building a card because
  someone shared the link, known by its own product token: ``"shared"``;
* a **bot**, everything automated, told apart where the sources can:
  ``"ai"`` (AI crawlers, agents and coding assistants), ``"monitor"``
  (uptime and performance monitors, security scanners) and ``"bot"`` (search
  engines, SEO tools, feed readers, HTTP libraries, headless browsers...).

Several signals, each from a well-kept source, checked in this order: the
preview tokens below; our own short list of what the libraries miss
(``OWN_AGENTS``); ``crawler-user-agents`` (its tags give the category);
``crawlerdetect``; uap-core's parser calling the device a spider; and the
shape test, "does this claim a browser engine at all?". What the request's own
headers say (Fetch Metadata) is checked in classify.py.

``benchmarks/classify.py`` measures this on public corpora; the README has
the figures.
"""

import functools
import re

import crawleruseragents
import ua_parser
from crawlerdetect import CrawlerDetect

from ..core.text import clean_text
from .vocabulary import LIMITS

# User-Agents are classified (and cached) by their first characters: real
# ones are far shorter, and a flood of huge made-up ones cannot fill memory.
AGENT_CLASSIFY_LENGTH = 512

# Link-preview fetchers, by their own product tokens only. An app's name
# alone is not enough: Snapchat's, Viber's and Facebook's in-app browsers
# carry it too, and they are readers. iMessage previews as
# "facebookexternalhit ... Facebot Twitterbot".
LINK_PREVIEW = re.compile(
    r"facebookexternalhit|\bFacebot\b|meta-externalfetcher/|Meta-ExternalHit/"
    r"|Twitterbot|Slackbot-LinkExpanding|Slack-ImgProxy|TelegramBot|Discordbot"
    r"|LinkedInBot|SkypeUriPreview|MicrosoftPreview/|Pinterestbot|redditbot"
    r"|\(Mastodon/|Bluesky Cardyb|BlueskyPreviewBot|Snap URL Preview|SnapURLPreview"
    r"|Iframely|Embedly|vkShare|Mattermost-Bot|GroupMeBot|Google-PageRenderer"
    r"|Yahoo Link Preview|Discourse Forum Onebox|Synapse \(bot",
    re.IGNORECASE,
)
# Apps whose preview fetcher is named only by the app, with no browser
# engine ("WhatsApp/2.23.20.0 A", "Viber/17.2"); with an engine they are the
# app's in-app browser, a reader.
APP_PREVIEW = re.compile(r"^(WhatsApp|Viber|Snapchat)\b", re.IGNORECASE)

# What the libraries miss (checked on the corpora in benchmarks/classify.py):
# reason -> product tokens.
OWN_AGENTS = {
    # AI crawlers, agents and coding assistants.
    "ai": (
        r"anthropic-ai|claude-code|Claude-User|ClaudeBot|Claude-SearchBot"
        r"|\bCursor/|GPTBot|ChatGPT|OAI-SearchBot|Perplexity|cohere-ai"
        r"|Google-Extended|Google-NotebookLM|Gemini-Deep-Research|Bytespider|CCBot|Diffbot"
        r"|MistralAI|DuckAssistBot|meta-externalagent|Amzn-(?:SearchBot|User)"
        r"|Applebot-Extended|YouBot|Kangaroo Bot|PhindBot|FirecrawlAgent"
        r"|\bAgent-?(?:GPT|Zero)|OpenAI|Anthropic|\bCodex\b|Windsurf|aider/"
    ),
    # Uptime, performance and synthetic monitors; security scanners.
    "monitor": (
        r"Catchpoint|Datadog|AlertSite|Pingdom|UptimeRobot|StatusCake"
        r"|Site24x7|Uptime-Kuma|Better ?Stack|Checkly|New ?Relic|Dynatrace"
        r"|GTmetrix|PageSpeed|Lighthouse|WebPageTest|\bPTST/|Zabbix|Nagios"
        r"|check_http|Monitoring|Arachni|Burp|Collaborator|ClamAV|Nessus"
        r"|Nikto|sqlmap|\bnmap\b|Nuclei|zgrab|masscan|Acunetix|Qualys|OpenVAS"
        r"|WPScan|Detectify|Netsparker|Invicti|ZAP/|CensysInspect|Expanse, a Palo"
        r"|internet-measurement|Palo Alto|Cloudflare-(?:Traffic|Healthchecks"
        r"|Diagnose|SSL|Verifier)|Cloudflare"
    ),
    # Everything else automated the libraries let through: feed readers and
    # podcast apps, test runners, page inspectors, headless browsers.
    "bot": (
        r"HeadlessChrome|PhantomJS|Cypress|Playwright|Puppeteer|Selenium"
        r"|Electron/.*\bCypress|BuiltWith|Wappalyzer|\bFeed|RSS|Podcast"
        r"|Overcast|Pocket Casts|NewsBlur|Inoreader|Feedly|Miniflux"
        r"|FreshRSS|Tiny Tiny RSS|NetNewsWire|Reeder|\bbot\b|spider|crawl"
        r"|\bscan|\bfetch|\bprobe|http-?client|okhttp|axios|node-fetch|undici"
        r"|\bGoogle-[A-Z]|GoogleAdSense|Spotify/|gPodder|Playapod|BashPodder"
        r"|Go-http-client|python|java/|libwww-perl|Wget|curl|HTTPie|aiohttp"
    ),
}
_OWN_AGENTS = {
    reason: re.compile(pattern, re.IGNORECASE) for reason, pattern in OWN_AGENTS.items()
}

# crawler-user-agents' tags, as our reasons (every other tag is a "bot").
CRAWLER_TAG_REASONS = {
    "ai-crawler": "ai",
    "monitoring": "monitor",
    "scanner": "monitor",
}
# crawler-user-agents patterns that also match readers: the names of apps
# whose in-app browsers carry them (their preview fetchers are told apart
# above), and a scanner's "fingerprint" that is the build number of
# millions of Android 15 phones (Oppo, Realme).
CRAWLER_PATTERNS_NOT_BOTS = {
    "Viber",
    "WhatsApp",
    "MetaIAB Facebook",
    "Snapchat",
    r"AP3A\.240617\.008",
}

# A browser claims an engine; text browsers and mail clients opening a link
# are people too, and so are in-app browsers that send only the app's own
# product token: Yelp's ("YelpWebView/1.5 Android/7.0 YelpApp/9.10.0 ...")
# and the Google app's ("GoogleApp/14.35.18.28.arm64"). Anchored at the
# start: a bot that merely carries the token elsewhere is not an app.
BROWSER_ENGINE = re.compile(
    r"AppleWebKit/|Gecko/|\bGecko\)|Trident/|Presto/|KHTML|Goanna/|EdgeHTML"
    r"|^Opera/|MSIE \d|^(?:Lynx|w3m|Links|ELinks|Dillo|NetSurf)\b"
    r"|Microsoft Outlook|Microsoft Office/|ms-office|^(?:YelpWebView|GoogleApp)/",
    re.IGNORECASE,
)

# People whom the libraries call bots: text browsers (their "libwww"), mail
# clients opening a link, the desktop apps of chat services. Checked after
# our own list, so an AI editor built the same way (Cursor) stays a bot.
PEOPLES_APPS = re.compile(
    r"^(?:Lynx|w3m|Links|ELinks)/|Microsoft Outlook|Microsoft Office/|Slack_SSB/",
    re.IGNORECASE,
)

_crawlerdetect = CrawlerDetect()
# crawlerdetect's patterns that name a people's app, as CRAWLER_PATTERNS_NOT_BOTS
# does for crawler-user-agents: Outlook for iOS opening a link from an e-mail
# ("Outlook-iOS/696.1188109.prod.iphone (2.102.0)"). Only the token is taken
# out before crawlerdetect looks, so any bot word beside it still counts.
CRAWLERDETECT_TOKENS_NOT_BOTS = re.compile(r"\bOutlook-iOS/", re.IGNORECASE)


@functools.cache
def _crawler_patterns():
    """crawler-user-agents' patterns, compiled per reason (built on first use)."""
    by_reason = {}
    for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        if entry["pattern"] in CRAWLER_PATTERNS_NOT_BOTS:
            continue
        tags = entry.get("tags", ())
        reason = next(
            (CRAWLER_TAG_REASONS[tag] for tag in tags if tag in CRAWLER_TAG_REASONS),
            "bot",
        )
        by_reason.setdefault(reason, []).append(entry["pattern"])
    # Chunked as the library does: one alternation of 1,500 patterns is slow.
    return [
        (reason, re.compile("|".join(patterns[start : start + 25])))
        for reason, patterns in by_reason.items()
        for start in range(0, len(patterns), 25)
    ]


@functools.lru_cache(maxsize=4096)
def agent_reason(agent):
    """``None`` for a reader; ``shared``, ``ai``, ``monitor`` or ``bot`` (cached)."""
    if not agent.strip():
        # A browser always says what it is; a request without one is a script.
        return "bot"
    has_engine = BROWSER_ENGINE.search(agent) is not None
    if LINK_PREVIEW.search(agent) or (not has_engine and APP_PREVIEW.search(agent)):
        return "shared"
    for reason, pattern in _OWN_AGENTS.items():
        if pattern.search(agent):
            return reason
    if PEOPLES_APPS.search(agent):
        return None
    for reason, pattern in _crawler_patterns():
        if pattern.search(agent):
            return reason
    if _crawlerdetect.is_crawler(CRAWLERDETECT_TOKENS_NOT_BOTS.sub(" ", agent)):
        return "bot"
    parsed = _parsed(agent)
    if parsed.device.family == "Spider":
        return "bot"
    if not has_engine and parsed.user_agent.family == "Other":
        # Neither a browser engine nor a browser uap-core knows.
        return "bot"
    return None


@functools.lru_cache(maxsize=4096)
def _parsed(agent):
    """uap-core's reading of a User-Agent (cached: agents repeat)."""
    return ua_parser.parse(agent).with_defaults()


# Device classes, as the browsers name themselves: "Mobi" is the mark of a
# phone (MDN's advice), tablets say iPad, Tablet, or Android without Mobile.
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk/|PlayBook|Android(?!.*Mobi)", re.I)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android|Windows Phone|Opera Mini", re.I)


@functools.lru_cache(maxsize=4096)
def device_and_browser(agent):
    """``(device class, browser family)`` of a User-Agent string."""
    if _TABLET.search(agent):
        device = "tablet"
    elif _MOBILE.search(agent):
        device = "mobile"
    else:
        device = "desktop"
    family = _parsed(agent).user_agent.family
    return device, clean_text(family, LIMITS["browser"])


# Browsers that send Fetch Metadata (``Sec-Fetch-*``) with every request to a
# secure origin, from the version given on: Chrome 76 (Edge 79 and Opera
# carry "Chrome/" too), Firefox 90, Safari 16.4. In-app web views ("; wv)")
# and iOS browsers other than Safari are left out: no promise there.
_CHROME = re.compile(r"Chrome/(\d+)")
_FIREFOX = re.compile(r"Firefox/(\d+)")
_SAFARI = re.compile(r"Version/(\d+)(?:\.(\d+))?[.\d]* (?:Mobile/\S+ )?Safari/")
_WEB_VIEW_OR_IOS_WRAPPER = re.compile(r"; wv\)|CriOS/|FxiOS/|EdgiOS/")
FETCH_METADATA_SINCE = {"chrome": (76, 0), "firefox": (90, 0), "safari": (16, 4)}


@functools.lru_cache(maxsize=4096)
def promises_fetch_metadata(agent):
    """True when the User-Agent claims a browser that always sends Fetch Metadata."""
    if _WEB_VIEW_OR_IOS_WRAPPER.search(agent):
        return False
    if match := _CHROME.search(agent):
        return (int(match[1]), 0) >= FETCH_METADATA_SINCE["chrome"]
    if match := _FIREFOX.search(agent):
        return (int(match[1]), 0) >= FETCH_METADATA_SINCE["firefox"]
    if match := _SAFARI.search(agent):
        version = (int(match[1]), int(match[2] or 0))
        return version >= FETCH_METADATA_SINCE["safari"]
    return False
