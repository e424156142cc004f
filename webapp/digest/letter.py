"""The weekly letter's content: which week, and what it says, in plain words.

``build(db, monday, config)`` reads the week (Monday to Sunday in the
practice's time zone) and the week before from the same sources as the
dashboard (``stats.reports.report``, ``bookings.summary.summarise``,
``notes.store.notes_between``), so the letter, ``/stats.json`` and
``flask stats --json`` cannot disagree. Small numbers are said as counts
("3 booking clicks, 1 more than the week before"), never as a percentage.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from babel.dates import format_skeleton

from ..bookings.summary import summarise
from ..core.calendar import EARLIEST, DayError, Week, parse_day
from ..core.formatting import current_locale, money, number, percent
from ..core.text import clean_text
from ..notes.store import notes_between
from ..site.content import get_practice, get_widgets
from ..stats import reports
from ..stats.dashboard import BREAKDOWNS, FEW_VISITS, chooser_rows
from ..stats.referrer_names import (
    OTHER_CAMPAIGNS,
    campaign_name_is_shown,
    referrer_label,
)
from ..tracking.vocabulary import CLICK, VIEW

# A change is given as a percentage too only when both weeks reach this.
PERCENT_FROM = 100
# Rows the letter lists for referrers and campaigns.
TOP_ROWS = 3
EMPTY_LABELS = {dimension: empty for dimension, _t, _h, empty in BREAKDOWNS}
# The practice's name in the letter: one line, at most this long.
PRACTICE_LENGTH = 200


def last_full_week(today):
    """The Monday of the last full Monday-to-Sunday week before ``today``."""
    return Week.containing(today).previous().start


def chosen_week(text, today):
    """The Monday of the week of the day typed (none: the last full week).

    DayError for a day that cannot be read, a week not over yet, or one that
    starts before EARLIEST (as the dashboard's ranges: it also keeps the week
    before in range).
    """
    last = last_full_week(today)
    if not text:
        return last
    day = parse_day(text, today, "the week")
    monday = Week.containing(day).start
    if monday < EARLIEST:
        raise DayError(
            f"The week of {day.isoformat()} starts before {EARLIEST.isoformat()},"
            " the oldest day kept."
        )
    if monday > last:
        raise DayError(
            f"The week of {day.isoformat()} is not over yet: the last full week"
            f" starts {last.isoformat()}."
        )
    return monday


def practice_name():
    """The practice's name (practice.yaml's), as the letter and its subject show it.

    Already one line: practice.yaml refuses a line break, and an old setting
    with one is cleaned when read (``flask check`` reports it), so a header
    never carries one.
    """
    return clean_text(get_practice().name, PRACTICE_LENGTH)


def counted(value, singular, plural=None):
    """``no booking clicks``, ``1 booking click``, ``3 booking clicks``."""
    if value == 0:
        return f"no {plural or singular + 's'}"
    return f"{number(value)} {singular if value == 1 else plural or singular + 's'}"


def change(value, before):
    """How ``value`` compares with ``before`` in words, counts for small numbers."""
    if value == before:
        return "the same as the week before"
    if before == 0:
        return "none the week before"
    difference = abs(value - before)
    words = f"{number(difference)} {'more' if value > before else 'fewer'}"
    words += " than the week before"
    if min(value, before) >= PERCENT_FROM:
        words += f" ({'up' if value > before else 'down'} {difference / before:.0%})"
    return words


@dataclass
class Figure:
    """One headline number: its value, the words for it and for its change."""

    key: str
    value: object
    text: str
    change: str


@dataclass
class Letter:
    """Everything the letter says about one week, as plain data."""

    monday: datetime.date
    sunday: datetime.date
    label: str
    subject: str
    practice: str
    time_zone: str
    totals: dict
    previous: dict
    figures: list = field(default_factory=list)
    click_through: str = ""
    best_day: str = ""
    referrers: list = field(default_factory=list)
    campaigns: list = field(default_factory=list)
    chooser: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    dashboard_url: str = ""
    quiet: bool = False
    quiet_text: str = ""


FIGURES = (
    ("page_views", "page view"),
    ("unique_visitors", "unique visitor"),
    ("booking_clicks", "booking click"),
    ("unique_clickers", "unique clicker"),
)


def build(db, monday, config):
    """The letter for the week from ``monday``, compared with the week before."""
    week = Week(monday)
    sunday, before_week = week.end, week.previous()
    report = reports.report(db, monday, sunday)
    before = reports.period_totals(db, before_week.start, before_week.end)
    totals = report.totals()
    label = week.label
    practice = practice_name()
    letter = Letter(
        monday=monday,
        sunday=sunday,
        label=label,
        subject=f"{practice}: the article's week, {label}",
        practice=practice,
        time_zone=config["TIME_ZONE"],
        totals=totals,
        previous=before,
    )
    for key, noun in FIGURES:
        text = counted(totals[key], noun)
        letter.figures.append(
            Figure(key, totals[key], text, change(totals[key], before[key]))
        )
    letter.click_through = click_through_words(totals, before)
    letter.best_day = best_day(report)
    letter.referrers = referrers(report)
    letter.campaigns = campaigns(report)
    letter.chooser = chooser(report)
    bookings = summarise(db, monday, sunday, config)
    if bookings.any_imported:
        earlier = summarise(db, before_week.start, before_week.end, config)
        letter.bookings = booking_lines(bookings, earlier)
    letter.notes = [
        {"day": _day_name(n["day"]), "text": n["text"]}
        for n in notes_between(db, monday, sunday)
    ]
    letter.dashboard_url = dashboard_url(config.get("SITE_URL") or "", monday, sunday)
    letter.quiet = not (
        totals["page_views"] or totals["booking_clicks"] or bookings.bookings
    )
    if letter.quiet:
        letter.quiet_text = quiet_words(before)
    return letter


def click_through_words(totals, before):
    """Clickers out of visitors: a count below FEW_VISITS visitors, else a rate."""
    visitors, clickers = totals["unique_visitors"], totals["unique_clickers"]
    if not visitors:
        return ""
    if visitors < FEW_VISITS:
        return (
            f"{number(clickers)} of {counted(visitors, 'unique visitor')} went on to "
            "a booking button (too few visits for a percentage to mean much)"
        )
    words = f"{percent(totals['click_through_rate'])} of unique visitors went on "
    words += "to a booking button"
    if before["unique_visitors"] >= FEW_VISITS:
        words += f" ({percent(before['click_through_rate'])} the week before)"
    return words


def best_day(report):
    """The day with the most page views, in words ("" for a week without any)."""
    days = [d for d in report.daily() if d["page_views"]]
    if not days:
        return ""
    best = max(days, key=lambda d: (d["page_views"], d["booking_clicks"]))
    words = f"{_day_name(best['day'])}: {counted(best['page_views'], 'page view')}"
    if best["booking_clicks"]:
        words += f" and {counted(best['booking_clicks'], 'booking click')}"
    return words


def referrers(report):
    """Where readers came from: the top referrers by visitors, with their clicks.

    Named as ``names.referrer_label`` says (hosts with one name added up).
    """
    clicks = {v: n for v, n, _u in report.breakdown(CLICK, "referrer_host")}
    merged = {}
    for value, views, visitors in report.breakdown(VIEW, "referrer_host"):
        label = referrer_label(value) if value else EMPTY_LABELS["referrer_host"]
        before = merged.get(label, (0, 0, 0))
        merged[label] = (
            before[0] + visitors,
            before[1] + views,
            before[2] + clicks.get(value, 0),
        )
    rows = sorted(merged.items(), key=lambda r: (-r[1][0], -r[1][1], r[0]))
    return [
        {
            "label": label,
            "text": f"{counted(visitors, 'unique visitor')}, "
            f"{counted(booked, 'booking click')}",
        }
        for label, (visitors, _views, booked) in rows[:TOP_ROWS]
    ]


def campaigns(report):
    """Campaigns (UTM) that brought booking clicks, most first.

    Only names ``names.campaign_name_is_shown`` allows; the clicks of all
    others are summed on one last "Other campaigns" line.
    """
    shown, other = [], 0
    for value, clicks, _u in report.breakdown(CLICK, "utm_campaign"):
        if value and campaign_name_is_shown(value):
            shown.append({"label": value, "text": counted(clicks, "booking click")})
        elif value:
            other += clicks
    shown = shown[:TOP_ROWS]
    if other:
        shown.append(
            {"label": OTHER_CAMPAIGNS, "text": counted(other, "booking click")}
        )
    return shown


def chooser(report):
    """What the chooser suggested, to how many readers, and clicks on its button."""
    titles = {key: o.title for key, o in get_widgets().chooser.outcomes.items()}
    return [
        {
            "label": row["label"],
            "text": f"suggested to {counted(row['readers'], 'reader')}, "
            f"{counted(row['booking_clicks'], 'booking click')} from it",
        }
        for row in chooser_rows(report, titles)
    ]


def booking_lines(week, before):
    """The imported bookings of the week in a few short lines."""
    lines = [
        f"{counted(week.bookings, 'booking')}, "
        f"{change(week.bookings, before.bookings)}",
        f"{counted(week.website_bookings, 'booking')} through the website",
        f"{counted(week.new_clients, 'new client')}",
    ]
    if week.cancelled_or_no_show:
        lines.append(f"{number(week.cancelled_or_no_show)} cancelled or no-show")
    if week.fees_avoided_cents:
        fees = money(week.fees_avoided_cents / 100, get_practice().currency)
        lines.append(f"about {fees} in directory fees avoided by website bookings")
    return lines


def quiet_words(before):
    """The kind short paragraph of a week without readers."""
    words = (
        "A quiet week: no page views and no booking clicks were counted. "
        "Quiet weeks happen, and they say little on their own."
    )
    if before["page_views"]:
        words += f" The week before had {counted(before['page_views'], 'page view')}."
    return words


def dashboard_url(site_url, monday, sunday):
    """The dashboard for the week on the site's own address ("" without one)."""
    if not site_url:
        return ""
    query = urlencode({"from": monday.isoformat(), "to": sunday.isoformat()})
    return f"{site_url.rstrip('/')}/stats?{query}"


def _day_name(day):
    """``Tuesday, November 24`` in the practice's locale, for a stored ISO day."""
    day = datetime.date.fromisoformat(day)
    return format_skeleton("MMMMEEEEd", day, locale=current_locale())


def recent_weeks(today, count=12):
    """The Mondays of the last ``count`` full weeks, newest first."""
    week = Week.containing(today)
    return [(week := week.previous()).start for _ in range(count)]
