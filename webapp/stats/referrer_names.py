"""What the weekly letter may name: the owner's words, or text that cannot carry
a sentence or a link.

Readers choose their campaign and their referrer: anyone can put a link to
``/book?utm_campaign=...`` with any words on any page, and the browser then
sends that page's address as the referrer. The letter goes to the owner's
inbox, where "Security alert: sign in again at https://evil.example/login"
under "Campaigns that brought booking clicks" would read as if the site had
said it. So the letter shows placements and chooser outcomes by the owner's
own words (``site.placements``, ``content/widgets.yaml``), and:

- a campaign by its name only when ``campaign_name_is_shown`` says so; the
  clicks of every other campaign are summed on one ``OTHER_CAMPAIGNS`` line;
- a referrer by its known name (``REFERRER_NAMES``), else as its bare host
  with every dot written ``[.]`` (``evil[.]example``), which no mail client
  turns into a link; a referrer that is not shaped like a host name at all is
  counted under ``OTHER_SITES``.

The dashboard, an owner page behind the login, still shows every value as it
came (escaped).
"""

import re

# A campaign name the letter shows: at most 40 letters (of any script),
# digits, spaces, "-" and "_". Nothing else, so no "@", ".", ":" or "/".
CAMPAIGN_NAME = re.compile(r"[\w \-]{1,40}")
OTHER_CAMPAIGNS = "Other campaigns"
# A host name: labels of letters, digits, "-" and "_" between dots.
HOST_NAME = re.compile(r"[\w\-]+(?:\.[\w\-]+)*")
OTHER_SITES = "Other sites"

# The referrers a small practice's readers mostly come from, by the host's
# registered domain (its subdomains included; the longest match wins).
REFERRER_NAMES = {
    "google.com": "Google",
    "google.co.uk": "Google",
    "google.ca": "Google",
    "google.com.au": "Google",
    "google.co.nz": "Google",
    "google.ie": "Google",
    "mail.google.com": "Gmail",
    "com.google.android.gm": "Gmail app",
    "com.google.android.googlequicksearchbox": "Google app",
    "bing.com": "Bing",
    "duckduckgo.com": "DuckDuckGo",
    "yahoo.com": "Yahoo",
    "ecosia.org": "Ecosia",
    "search.brave.com": "Brave Search",
    "chatgpt.com": "ChatGPT",
    "perplexity.ai": "Perplexity",
    "facebook.com": "Facebook",
    "instagram.com": "Instagram",
    "threads.net": "Threads",
    "t.co": "X (Twitter)",
    "x.com": "X (Twitter)",
    "twitter.com": "X (Twitter)",
    "linkedin.com": "LinkedIn",
    "lnkd.in": "LinkedIn",
    "pinterest.com": "Pinterest",
    "youtube.com": "YouTube",
    "reddit.com": "Reddit",
    "tiktok.com": "TikTok",
    "nextdoor.com": "Nextdoor",
    "yelp.com": "Yelp",
}
_BY_LENGTH = sorted(REFERRER_NAMES, key=len, reverse=True)


def campaign_name_is_shown(name):
    """True when the letter may show the campaign ``name`` as it is.

    A campaign name is whatever a link's ``utm_campaign`` says, and anyone can
    make such a link. The letter shows it only when it is at most 40
    characters of letters, digits, spaces, ``-`` and ``_`` ("spring_offer",
    "Mothers Day 2026"). Without ``@``, ``.``, ``:`` or ``/`` it can hold no
    e-mail address, domain or link a mail client would make clickable, and 40
    characters leave little room for a sentence. Any other name is counted
    under "Other campaigns" instead (the one place this rule lives).
    """
    return bool(CAMPAIGN_NAME.fullmatch(name or "")) and bool(name.strip())


def defang(host):
    """``evil.example`` as ``evil[.]example``: readable, never made a link."""
    return host.replace(".", "[.]")


def referrer_label(host):
    """What the letter calls the referrer ``host`` (a non-empty stored host).

    Its known name ("Google" for ``www.google.com``), else the host with its
    dots defanged, else (not shaped like a host name) ``OTHER_SITES``.
    """
    host = host.lower().rstrip(".")
    for domain in _BY_LENGTH:
        if host == domain or host.endswith("." + domain):
            return REFERRER_NAMES[domain]
    if not HOST_NAME.fullmatch(host):
        return OTHER_SITES
    return defang(host)
