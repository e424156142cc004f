"""Default configuration: the server's knobs.

Every value here can be overridden by an environment variable with the
``FLASK_`` prefix (``FLASK_BOOKING_URL``, ``FLASK_DATABASE``, ...), read by
``app.config.from_prefixed_env()`` in the app factory. What a reader sees
about the practice (its name, phone, address, currency...) is not a setting:
it is in content/practice.yaml (webapp/site/practice.py; the old settings
still given are read there, webapp/site/old_settings.py).
"""

DEFAULTS = {
    # Litestream's configuration, if the offsite copy is set up
    # (docs/replication.md); `flask check` reports on it.
    "LITESTREAM_CONFIG": "/etc/webapp/litestream.yml",
    # Where every booking button finally leads.
    "BOOKING_URL": "https://www.massagebook.com/therapists/Reachforserenity",
    # The booking platform's name, for the line under the booking button
    # ("Opens ... booking page on MassageBook."). Empty means "named from the
    # BOOKING_URL's host" (webapp/site/placements.py knows the usual ones).
    "BOOKING_PLATFORM": "",
    # How dates read (Babel's locale name): en_US gives "March 18, 2025",
    # en_GB "18 March 2025". A name Babel does not know stops start-up.
    "LOCALE": "en_US",
    # The practice's own time zone, for "when do people book" in the stats.
    "TIME_ZONE": "America/New_York",
    # The site's public address, used for canonical links and the sitemap.
    # Empty means "the address the request came in on" (fine behind a proxy
    # that passes the Host header through).
    "SITE_URL": "",
    # The folder of the owner's content files (the articles in articles/,
    # practice.yaml, widgets.yaml, privacy.md); relative paths are taken from
    # the project folder. On a server deploy/webapp sets
    # /var/lib/webapp/content, seeded from content/ once and never touched by
    # upgrades. PRACTICE_FILE, WIDGETS_FILE and PRIVACY_FILE, when set, name
    # one file elsewhere; ARTICLE_FILE the home article's (the only article
    # then, with any the owner wrote in the editor).
    "CONTENT_DIR": "content",
    # The SQLite file; relative paths are taken from the project folder.
    "DATABASE": "data.db",
    # How many days raw events are kept (today included) before the nightly
    # `prune` folds them into daily totals. 760 days is about 25 months, the
    # longest France's data protection authority (CNIL) accepts for
    # consent-free audience measurement. The privacy page states this figure.
    "RETENTION_DAYS": 760,
    # How many answers of a reader's plain article and booking requests (one per
    # distinct address) each worker keeps; 0 sends every request through Flask.
    "ARTICLE_CACHE_SIZE": 256,
    # The largest request body any page accepts, in bytes: the biggest
    # legitimate one is a form of a few KB (the owner's login, the chooser's
    # answers). A larger body gets 413 before anything reads it. Keep the
    # proxy's limit the same (deploy/Caddyfile request_body, nginx
    # client_max_body_size). A route that needs more (the bookings CSV upload,
    # POST /stats/bookings, whose proxy limit is BOOKINGS_UPLOAD_LIMIT's 8 MiB)
    # raises it for itself alone with core.security.body_limit.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # How many reverse proxies sit in front of the app (0 when exposed directly).
    "PROXY_COUNT": 0,
    # --- Bookings imported from the booking platform's CSV (webapp/bookings) ---
    # Dates like 03/04/2025 are read by the whole column; when every value
    # could be either, this decides: MDY (March 4) or DMY (3 April).
    "DATE_ORDER": "MDY",
    # Words (comma-separated, case-insensitive) that add to the built-in ones
    # sorting a booking's source into a channel (webapp/bookings/channels.py):
    # the practice's own site, or a directory or marketplace. Only the channel
    # is kept; Google, social media and staff have built-in words only.
    "BOOKING_WEBSITE_WORDS": "website,widget,book now",
    "BOOKING_DIRECTORY_WORDS": "marketplace,directory,listing,yelp,groupon",
    # What the platform charges for a new client found through its directory
    # (MassageBook: 15%, at least $6): what a website booking avoids.
    "DIRECTORY_FEE_PERCENT": 15,
    "DIRECTORY_FEE_MIN": 6,
    # The largest bookings CSV the dashboard accepts, in bytes (this route
    # alone, through core.security.body_limit).
    "BOOKINGS_UPLOAD_LIMIT": 8 * 1024 * 1024,
    # --- The weekly letter (webapp/digest), Flask-Mail's names ---
    # Who gets it (comma-separated); empty means no letter is sent.
    "DIGEST_TO": "",
    "MAIL_SERVER": "",
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "",
    "SESSION_COOKIE_HTTPONLY": True,
    # None means "secure unless debugging or testing", decided in the factory.
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_SAMESITE": "Lax",
}

# Secret keys that must never reach production (examples from docs and tests).
KNOWN_BAD_SECRET_KEYS = frozenset(
    {"", "dev", "change-me", "changeme", "secret", "test"}
)

# Hosts that are examples from the docs, never a real site's address.
EXAMPLE_HOSTS = frozenset(
    {"example.com", "www.example.com", "example.org", "example.net", "localhost"}
)

# The server's own settings in /etc/webapp/env (not Flask's: no FLASK_ prefix),
# read by deploy/gunicorn.conf.py and deploy/backup.sh: for each, the least
# whole number or the allowed words, and the default. `flask check` checks them.
SERVER_SETTINGS = {
    "WEBAPP_WORKERS": (1, "3"),
    "WEBAPP_THREADS": (1, "2"),
    "WEBAPP_BACKUP_KEEP": (1, "14"),
    "WEBAPP_LOG_LEVEL": (("debug", "info", "warning", "error", "critical"), "info"),
    "WEBAPP_ACCESS_LOG": (("on", "off"), "on"),
    "WEBAPP_PROXY": (("caddy", "nginx", "none"), "caddy"),
}
