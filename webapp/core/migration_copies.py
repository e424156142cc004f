"""Frozen copies some schema steps use: constants and rules as they were then.

A shipped step is never edited, and neither is what it reads here: a later
change to the code these were copied from cannot rewrite history.
"""

import hashlib

# The text columns of ``events`` as m004 created them (frozen).
M004_EVENT_TEXT_COLUMNS = (
    "page",
    "placement",
    "widget",
    "detail",
    "referrer_host",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "device",
    "browser",
    "visitor",
)


# m014's frozen copies: the channel rule and the fingerprint as they were when
# bookings still kept their source's text (webapp/bookings/channels.py and
# importer.py before issue 28), so the step reads old rows as the dashboard did.
M014_WEBSITE_WORDS = ("website", "widget", "book now")
M014_DIRECTORY_WORDS = (
    "marketplace",
    "directory",
    "google",
    "listing",
    "yelp",
    "groupon",
)


def m014_channel(source):
    """The channel the dashboard gave a stored source text before issue 28."""
    text = (source or "").lower()
    if any(word in text for word in M014_WEBSITE_WORDS):
        return "website"
    if any(word in text for word in M014_DIRECTORY_WORDS):
        return "directory"
    return "other"


def m014_fingerprint(identity, occurrence):
    """importer._fingerprint as it was: a hash of the identity and its occurrence."""
    text = "\x1f".join("" if value is None else str(value) for value in identity)
    return hashlib.sha256(f"{text}\x1e{occurrence}".encode()).hexdigest()


# m018's schema and rows: daily_counts gains ``page``. Rows rolled up before it
# are the whole site's ("*") and, as every event then was on the one article,
# the home article's ("/") too.
M018_STATEMENTS = (
    "CREATE TABLE daily_counts_by_page ("
    " day TEXT NOT NULL, page TEXT NOT NULL, kind TEXT NOT NULL,"
    " dimension TEXT NOT NULL, value TEXT NOT NULL,"
    " events INTEGER NOT NULL, uniques INTEGER NOT NULL,"
    " PRIMARY KEY (day, page, kind, dimension, value))",
    "INSERT INTO daily_counts_by_page SELECT day, '*', kind, dimension, value,"
    " events, uniques FROM daily_counts",
    "INSERT INTO daily_counts_by_page SELECT day, '/', kind, dimension, value,"
    " events, uniques FROM daily_counts",
    "DROP TABLE daily_counts",
    "ALTER TABLE daily_counts_by_page RENAME TO daily_counts",
    # Reports read one page's rows of a period from the index alone.
    "CREATE INDEX daily_counts_covering ON daily_counts"
    " (page, day, kind, dimension, value, events, uniques)",
    # ... and every page's totals of a period (the Articles table) likewise.
    "CREATE INDEX daily_counts_by_dimension ON daily_counts"
    " (dimension, day, page, kind, value, events, uniques)",
)
