"""Made-up but plausible events: to try the stats view before launch, and to benchmark.

The shape follows what a practice's article page sees: most readers on a
phone, evenings and lunch breaks busiest, a slow rise over the period, about
one reader in three trying a widget, and widget users booking more often.
Beside them, one confirmed import of made-up bookings: some of each day's
booking clickers book through the website, the other channels add a few.
"""

import datetime
import hashlib
import random
from dataclasses import dataclass

from ..bookings import batches
from ..bookings.channels import DIRECTORY, GOOGLE, OTHER, SOCIAL, STAFF, WEBSITE
from ..bookings.importer import Reading
from ..core.db import immediate, read_meta, write_meta
from ..site.articles import HOME_PATH
from ..site.chooser_content import OUTCOMES
from ..site.placements import UNKNOWN
from ..tracking.store import add_filtered, insert_events
from ..tracking.vocabulary import CALL, CLICK, TIMESTAMP_FORMAT, VIEW, WIDGET
from .rollups import SUMMARY_COLUMNS, add_to_rollups, rollup_day, summarise

DEMO_META_KEY = "demo_data"
BATCH = 20_000

WEEKDAY_WEIGHT = (1.0, 1.0, 1.05, 1.1, 0.9, 0.8, 1.15)  # Monday first
HOUR_WEIGHT = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 1.5, 1.3, 1.1, 1.3) + (
    2.3,
    2.4,
    1.4,
    1.2,
    1.2,
    1.5,
    1.9,
    2.8,
    3.0,
    2.7,
    1.8,
    0.8,
)
DEVICES = {
    "mobile": (
        0.66,
        {
            "Mobile Safari": 0.5,
            "Chrome Mobile": 0.4,
            "Samsung Internet": 0.06,
            "Firefox Mobile": 0.04,
        },
    ),
    "desktop": (0.27, {"Chrome": 0.58, "Safari": 0.17, "Edge": 0.15, "Firefox": 0.1}),
    "tablet": (0.07, {"Mobile Safari": 0.7, "Chrome Mobile": 0.3}),
}
REFERRERS = {
    "": 0.3,
    "www.google.com": 0.33,
    "l.facebook.com": 0.09,
    "l.instagram.com": 0.08,
    "www.pinterest.com": 0.04,
    "www.bing.com": 0.04,
    "duckduckgo.com": 0.03,
    "m.facebook.com": 0.03,
    "nextdoor.com": 0.03,
    "t.co": 0.02,
    "search.yahoo.com": 0.01,
}
CAMPAIGNS = (  # (source, medium, campaign, content), weights below
    ("instagram", "social", "spring-relief", "story"),
    ("facebook", "social", "spring-relief", "post"),
    ("newsletter", "email", "march-letter", ""),
    ("google", "cpc", "massage-near-me", ""),
    ("flyer", "print", "clinic-flyer", ""),
)
CAMPAIGN_WEIGHT = (0.3, 0.25, 0.2, 0.15, 0.1)
CAMPAIGN_SHARE = 0.22
PLACEMENT_WEIGHT = {
    "article-end": 0.28,
    "header": 0.12,
    "byline": 0.1,
    "bottom-bar": 0.1,
    "sessions": 0.06,
    "after-comparison": 0.02,
    "technique": 0.07,
    "chooser-medical": 0.07,
    "chooser-therapeutic": 0.06,
    "chooser-provider-first": 0.03,
    "footer": 0.08,
    UNKNOWN: 0.01,
}
WIDGET_SHARE = 0.35
# Readers of the other published articles, if any (the home article keeps the
# rest), and the booking buttons every article has (widgets differ by article).
OTHER_ARTICLES_SHARE = 0.3
EVERY_ARTICLE_PLACEMENTS = {"article-end": 0.5, "header": 0.2, "bottom-bar": 0.3}
CLICK_CHANCE = {False: 0.05, True: 0.13}  # by "used a widget"
REPEAT_CHANCE = 0.12
# Readers who press the practice's phone number, and where they find it.
CALL_CHANCE = 0.03
CALL_PLACEMENTS = ("practice", "footer")
# Not-counted traffic per page view, by reason (the owner adds a few a day).
FILTERED_PER_VIEW = {"bot": 0.25, "prefetch": 0.04, "shared": 0.02, "head": 0.01}


# The demo bookings: a share of each day's unique clickers book through the
# website; the other channels add a few a day (weights); made-up services.
WEBSITE_BOOKING_SHARE = 0.3
OTHER_CHANNELS = {DIRECTORY: 35, GOOGLE: 25, SOCIAL: 10, STAFF: 20, OTHER: 10}
OTHER_BOOKINGS_A_DAY = (0, 1, 1, 2, 3)
# A past appointment's status; a future one is upcoming.
PAST_STATUSES = {"completed": 84, "cancelled": 7, "no-show": 4, "pending": 5}
SERVICES = {
    "Swedish massage, 60 min": 9500,
    "Deep tissue massage, 60 min": 11000,
    "Swedish massage, 90 min": 13500,
}
NEW_CLIENT_SHARE = 0.35


@dataclass
class Seeded:
    """What seed-demo added."""

    events: int
    filtered: int
    first_day: datetime.date
    last_day: datetime.date
    bookings: int = 0


def widget_uses(widgets):
    """Every ``(widget, detail)`` the real page can record, from its content."""
    return [
        *(("aspect", aspect.id) for aspect in widgets.comparison.aspects),
        *(("technique", technique.id) for technique in widgets.techniques.items),
        *(("chooser", outcome) for outcome in OUTCOMES),
    ]


def seed(db, events, days, now, tz, widgets, rng=None, other_pages=()):
    """Add exactly ``events`` synthetic events over the ``days`` days up to ``now``.

    Widget uses are drawn from ``widgets`` (the content the home article
    shows), so the demo never holds a row the real page could not produce.
    ``other_pages``: the other published articles' addresses; some readers
    read one of them instead (views, clicks and calls, no widget use), so the
    dashboard shows its Articles table.
    """
    rng = rng or random.Random()  # noqa: S311 (made-up data, not security)
    local_now = now.astimezone(tz)
    today = local_now.date()
    dates = [today - datetime.timedelta(days=i) for i in range(days - 1, -1, -1)]
    targets = _split(
        events, [_day_weight(d, i, days, rng) for i, d in enumerate(dates)]
    )
    maker = _Maker(rng, tz, widget_uses(widgets), other_pages)
    filtered = 0
    clickers = {}
    for day, target in zip(dates, targets, strict=True):
        latest = local_now if day == today else None
        rows = maker.day(day, target, latest)
        clickers[day] = sum(r["kind"] == CLICK and not r["repeat"] for r in rows)
        for start in range(0, len(rows), BATCH):
            with immediate(db):
                insert_events(db, rows[start : start + BATCH])
        filtered += _tally_filtered(db, day, rows, rng)
        if day < today:
            _roll_up(db, day.isoformat(), rows)
    with immediate(db):
        write_meta(db, DEMO_META_KEY, "yes")
    booked = seed_bookings(db, clickers, today, rng)
    return Seeded(events, filtered, dates[0], today, booked)


def seed_bookings(db, clickers, today, rng):
    """One confirmed import of demo bookings beside ``{day: unique clickers}``."""
    # Each seed-demo adds its own bookings, as it adds its own events.
    salt = f"{rng.getrandbits(64):016x}"
    bookings = []
    for day, clicked in clickers.items():
        website = sum(rng.random() < WEBSITE_BOOKING_SHARE for _ in range(clicked))
        others = rng.choices(
            list(OTHER_CHANNELS),
            list(OTHER_CHANNELS.values()),
            k=rng.choice(OTHER_BOOKINGS_A_DAY),
        )
        for channel in [WEBSITE] * website + others:
            made_up = _demo_booking(day, channel, today, rng)
            seed = f"demo\x1f{salt}\x1f{len(bookings)}"
            made_up["fingerprint"] = hashlib.sha256(seed.encode()).hexdigest()
            bookings.append(made_up)
    if bookings:
        reading = Reading(
            mapping={}, dropped_columns=[], bookings=bookings, rows_read=len(bookings)
        )
        batches.store(db, reading, "demo bookings", confirmed=True)
    return len(bookings)


def _demo_booking(day, channel, today, rng):
    """One made-up booking made on ``day`` through ``channel``."""
    appointment = day + datetime.timedelta(days=rng.randint(0, 14))
    service = rng.choice(list(SERVICES))
    status = "upcoming"
    if appointment <= today:
        status = rng.choices(list(PAST_STATUSES), list(PAST_STATUSES.values()))[0]
    return {
        "day": day.isoformat(),
        "booked_on": day.isoformat(),
        "appointment": f"{appointment.isoformat()}T{rng.randint(9, 18):02d}:00",
        "service": service,
        "price_cents": SERVICES[service],
        "status": status,
        "channel": channel,
        "new_client": int(rng.random() < NEW_CLIENT_SHARE),
        "platform_id": "",
    }


def _roll_up(db, day, rows):
    """Roll up a finished day, or add the new rows to its existing rollup."""
    if not rollup_day(db, day):
        defaults = {"repeat": 0, "hour": 0}
        summary = summarise(
            [[row.get(c, defaults.get(c, "")) for c in SUMMARY_COLUMNS] for row in rows]
        )
        with immediate(db):
            add_to_rollups(db, summary)


def is_demo(db):
    """True when seed-demo has written to this database."""
    return bool(read_meta(db, DEMO_META_KEY))


def _split(total, weights):
    """Whole numbers proportional to ``weights`` that add up to ``total``."""
    scale = total / sum(weights)
    parts = [int(w * scale) for w in weights]
    for i in range(total - sum(parts)):
        parts[-1 - (i % len(parts))] += 1
    return parts


def _day_weight(day, index, days, rng):
    """How busy a day is: weekday, a slow rise over the period, some noise."""
    rise = 0.6 + 0.4 * (index + 1) / days
    return WEEKDAY_WEIGHT[day.weekday()] * rise * rng.uniform(0.85, 1.15)


def _tally_filtered(db, day, rows, rng):
    """Add the day's not-counted traffic, in proportion to its page views."""
    views = sum(1 for row in rows if row["kind"] == VIEW)
    counts = {
        r: int(views * share + rng.random()) for r, share in FILTERED_PER_VIEW.items()
    }
    counts["owner"] = rng.choice((0, 0, 1, 2))
    with immediate(db):
        for reason, count in counts.items():
            if count:
                add_filtered(db, day.isoformat(), reason, VIEW, count)
    return sum(counts.values())


class _Maker:
    """Makes one day's readers and their events."""

    def __init__(self, rng, tz, widget_items, other_pages=()):
        self.rng = rng
        self.other_pages = list(other_pages)
        self.tz = tz
        self.offsets = {}
        self.devices = list(DEVICES)
        self.device_weights = [DEVICES[d][0] for d in self.devices]
        self.referrers = list(REFERRERS)
        self.referrer_weights = list(REFERRERS.values())
        self.placements = list(PLACEMENT_WEIGHT)
        self.placement_weights = list(PLACEMENT_WEIGHT.values())
        self.widget_items = widget_items

    def day(self, day, target, latest):
        """Exactly ``target`` events on local ``day``, none after ``latest``."""
        rows = []
        hours = range(24) if latest is None else range(latest.hour + 1)
        hour_weights = [HOUR_WEIGHT[h] for h in hours]
        while len(rows) < target:
            hour = self.rng.choices(hours, hour_weights)[0]
            start = datetime.datetime.combine(day, datetime.time(hour))
            start += datetime.timedelta(seconds=self.rng.randrange(3600))
            if latest is not None:
                start = min(start, latest.replace(tzinfo=None))
            rows.extend(self.reader(day, start, latest))
        return rows[:target]

    def reader(self, day, start, latest):
        """One reader's events: views, maybe widget uses, a click, a call."""
        rng = self.rng
        device = rng.choices(self.devices, self.device_weights)[0]
        browsers = DEVICES[device][1]
        page = HOME_PATH
        if self.other_pages and rng.random() < OTHER_ARTICLES_SHARE:
            page = rng.choice(self.other_pages)
        base = {
            "day": day.isoformat(),
            "page": page,
            "referrer_host": rng.choices(self.referrers, self.referrer_weights)[0],
            "device": device,
            "browser": rng.choices(list(browsers), list(browsers.values()))[0],
            "visitor": f"{rng.getrandbits(64):016x}",
        }
        if rng.random() < CAMPAIGN_SHARE:
            source, medium, campaign, content = rng.choices(CAMPAIGNS, CAMPAIGN_WEIGHT)[
                0
            ]
            base.update(
                utm_source=source,
                utm_medium=medium,
                utm_campaign=campaign,
                utm_content=content,
            )
        end_of_day = datetime.datetime.combine(day, datetime.time(23, 59, 59))
        if latest is not None:
            end_of_day = latest.replace(tzinfo=None)
        moment = [start]

        def event(kind, after, **extra):
            """One event ``after`` seconds after the previous one (same day)."""
            moment[0] = min(moment[0] + datetime.timedelta(seconds=after), end_of_day)
            return {**base, **self._when(moment[0]), "kind": kind, **extra}

        events = [event(VIEW, 0)]
        for _ in range(rng.choices((0, 1, 2), (85, 12, 3))[0]):
            events.append(event(VIEW, rng.randrange(30, 900)))
        used = page == HOME_PATH and rng.random() < WIDGET_SHARE
        if used:
            for _ in range(rng.randint(1, 4)):
                widget, detail = rng.choice(self.widget_items)
                events.append(
                    event(WIDGET, rng.randrange(10, 240), widget=widget, detail=detail)
                )
        if rng.random() < CLICK_CHANCE[used]:
            placement = rng.choices(self.placements, self.placement_weights)[0]
            if page != HOME_PATH:
                placement = rng.choices(
                    list(EVERY_ARTICLE_PLACEMENTS),
                    list(EVERY_ARTICLE_PLACEMENTS.values()),
                )[0]
            events.append(
                event(CLICK, rng.randrange(20, 600), placement=placement, repeat=0)
            )
            if rng.random() < REPEAT_CHANCE:
                events.append(
                    event(CLICK, rng.randrange(20, 900), placement=placement, repeat=1)
                )
        if rng.random() < CALL_CHANCE:
            placement = rng.choices(CALL_PLACEMENTS, (0.7, 0.3))[0]
            events.append(
                event(CALL, rng.randrange(30, 900), placement=placement, repeat=0)
            )
        return events

    def _when(self, local):
        """``ts`` (UTC) and ``hour`` of a naive local time."""
        key = (local.date(), local.hour)
        offset = self.offsets.get(key)
        if offset is None:
            offset = local.replace(tzinfo=self.tz).utcoffset()
            self.offsets[key] = offset
        return {"ts": (local - offset).strftime(TIMESTAMP_FORMAT), "hour": local.hour}
