"""The words of tracking: event kinds, not-counted reasons, campaign fields.

This module imports nothing else of ours, so every package may use it.
"""

from datetime import timedelta

# What an event is: a page view, a booking click, a widget use, a press on
# the practice's phone number (its beacon: JavaScript only).
VIEW, CLICK, WIDGET, CALL = "view", "click", "widget", "call"

# Why a request was not counted, in the order they are checked, with the
# words the owner reads for each (dashboard and terminal alike).
REASON_LABELS = {
    "head": "HEAD requests",
    "embedded": "Embedded or scripted",
    "prefetch": "Prefetch and prerender",
    "shared": "Link previews (shared)",
    "ai": "AI agents and assistants",
    "monitor": "Monitors and scanners",
    "bot": "Other bots and crawlers",
    "posing": "Scripts posing as browsers",
    "owner": "Your own visits",
}
REASONS = tuple(REASON_LABELS)

# Campaign parameters: carried from the landing URL into every booking link,
# stored with each event, broken down on the dashboard.
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

# The text columns of ``events``, as the code writes them (every one NOT
# NULL, '' when absent); tests/test_migrations.py holds them against the
# live schema.
EVENT_TEXT_COLUMNS = (
    "page",
    "placement",
    "widget",
    "detail",
    "referrer_host",
    *UTM_FIELDS,
    "device",
    "browser",
    "visitor",
)
EVENT_COLUMNS = ("ts", "day", "hour", "kind", *EVENT_TEXT_COLUMNS, "repeat")
# Longest value kept for each stored text field (campaign fields: UTM_MAX_LENGTH).
LIMITS = {
    "page": 200,
    "placement": 40,
    "widget": 40,
    "detail": 100,
    "referrer_host": 100,
    "device": 10,
    "browser": 40,
}
UTM_MAX_LENGTH = 100

# A second click (or call) by the same visitor within this time is a repeat.
REPEAT_WINDOW = timedelta(minutes=30)
# How ``events.ts`` is written: UTC, to the second.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
