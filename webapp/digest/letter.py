"""The weekly letter's content: which week, and what it says, in plain words.

``build(db, monday, config)`` reads the week (Monday to Sunday in the
practice's time zone) and the week before from the same sources as the
dashboard (``stats.reports.report``, ``bookings.summary.summarise``,
``notes.store.notes_between``), so the letter, ``/stats.json`` and
``flask stats --json`` cannot disagree. Whether a difference is a change and
a day the best one is for ``stats.honesty`` to say: "about the same as the
week before" when chance often makes a difference that size, no best day from
a handful of page views, and every day that ties for it named.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from babel.dates import format_skeleton
from babel.lists import format_list

from ..bookings.summary import summarise
from ..core import calendar, formatting
from ..core.calendar import EARLIEST, DayError, Week, parse_day
from ..core.formatting import (
    current_locale,
    long_date,
    number,
    percent,
    short_date,
)
from ..core.text import clean_text
from ..notes.store import notes_between
from ..site.content import get_practice, get_widgets
from ..stats import articles as stats_articles
from ..stats import reports
from ..stats.charts import FEW_VISITS
from ..stats.dashboard import BREAKDOWNS, chooser_rows
from ..stats.earnings import answer_sentence
from ..stats.honesty import change_words, count_change, peaks, rate_change
from ..stats.referrer_names import (
    OTHER_CAMPAIGNS,
    campaign_name_is_shown,
    referrer_label,
)
from ..tracking.vocabulary import CLICK, VIEW

# What every change is measured against.
SINCE = "the week before"
# Rows the letter lists for referrers and campaigns.
TOP_ROWS = 3
EMPTY_LABELS = {dimension: empty for dimension, _t, _h, empty in BREAKDOWNS}
# The practice's name in the letter: one line, at most this long.
PRACTICE_LENGTH = 200


def last_full_week(today):
    """The Monday of the last full Monday-to-Sunday week before ``today``."""
    return Week.before(today, 1)[0].start


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
            f"The week of {long_date(day)} starts before {long_date(EARLIEST)},"
            " the oldest day kept."
        )
    if monday > last:
        raise DayError(
            f"The week of {long_date(day)} is not over yet: the last full week"
            f" starts {long_date(last)}."
        )
    return monday


def practice_name():
    """The practice's name (practice.yaml's), as the letter and its subject show it.

    Already one line: practice.yaml refuses a line break, and an old setting
    with one is cleaned when read (``flask check`` reports it), so a header
    never carries one.
    """
    return clean_text(get_practice().name, PRACTICE_LENGTH)


# Nouns whose plural is not the singular and an "s".
PLURALS = {"person who pressed a booking button": "people who pressed a booking button"}


def counted(value, singular):
    """``no booking clicks``, ``1 booking click``, ``3 booking clicks``."""
    plural = PLURALS.get(singular)
    if value == 0:
        return f"no {plural or singular + 's'}"
    return formatting.counted(value, singular, plural)


def change(value, before):
    """How the count ``value`` compares with ``before``, as far as chance allows."""
    return change_words(count_change(value, before), number(before), SINCE)


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
    totals: dict
    previous: dict
    figures: list = field(default_factory=list)
    click_through: str = ""
    # "4 calls from the article, ...": left out in a week without one.
    calls: str = ""
    # "the article's week", or "your articles' week" with more than one.
    whose_week: str = "the article's week"
    best_day: str = ""
    # Which article brought the most booking clicks ('' with one article).
    top_article: str = ""
    referrers: list = field(default_factory=list)
    campaigns: list = field(default_factory=list)
    chooser: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    dashboard_url: str = ""
    quiet: bool = False
    quiet_text: str = ""
    # The first sentence: what the article earned (as the dashboard says it).
    answer: str = ""


FIGURES = (
    ("page_views", "page view"),
    ("unique_visitors", "unique visitor"),
    ("booking_clicks", "booking click"),
    ("unique_clickers", "person who pressed a booking button"),
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
    read = stats_articles.articles_words()
    whose_week = "the article's week" if read == "the article" else f"{read}' week"
    letter = Letter(
        monday=monday,
        sunday=sunday,
        label=label,
        subject=f"{practice}: {whose_week}, {label}",
        whose_week=whose_week,
        practice=practice,
        totals=totals,
        previous=before,
    )
    for key, noun in FIGURES:
        text = counted(totals[key], noun)
        letter.figures.append(
            Figure(key, totals[key], text, change(totals[key], before[key]))
        )
    letter.click_through = click_through_words(totals, before)
    if totals["calls"]:
        calls = formatting.counted(totals["calls"], "call")
        letter.calls = (
            f"{calls} from {read}, {change(totals['calls'], before['calls'])}"
        )
    letter.best_day = best_day(report)
    letter.top_article = top_article(report)
    letter.referrers = referrers(report)
    letter.campaigns = campaigns(report)
    letter.chooser = chooser(report)
    today = calendar.today(calendar.zone_of(config))
    bookings = summarise(db, monday, sunday, config, today)
    letter.answer = answer_sentence(bookings, label, get_practice().currency)
    if bookings.any_imported:
        earlier = summarise(db, before_week.start, before_week.end, config, today)
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
    """Clickers out of visitors: a count below FEW_VISITS visitors, else a rate.

    The rate of the week before is named only when the difference is a change.
    """
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
    if not before["unique_visitors"]:
        return words
    moved = rate_change(
        clickers, visitors, before["unique_clickers"], before["unique_visitors"]
    )
    before_rate = percent(before["click_through_rate"])
    words += f", {change_words(moved, before_rate, SINCE)}"
    # "too few to tell yet" alone could read as a verdict on the rate itself.
    return words + (" whether that changed" if moved.direction == "too-few" else "")


def best_day(report):
    """The day with the most page views, in words; every tie named.

    "" when the week's page views are too few to make one day the best.
    """
    days = {d["day"]: d for d in report.daily()}
    best = peaks({day: d["page_views"] for day, d in days.items()})
    if len(best) > 1:
        names = format_list(
            [short_date(datetime.date.fromisoformat(d)) for d in best],
            locale=current_locale(),
        )
        views = number(days[best[0]]["page_views"])
        return f"Most page views on {names} ({views} each)"
    if not best:
        return ""
    day = days[best[0]]
    words = f"Best day: {_day_name(day['day'])}, with "
    words += counted(day["page_views"], "page view")
    if day["booking_clicks"]:
        words += f" and {counted(day['booking_clicks'], 'booking click')}"
    return words


def top_article(report):
    """Which article brought the most booking clicks; every tie named.

    '' unless two or more articles had booking clicks; with too few clicks to
    call one the best (honesty.peaks), each article's clicks instead.
    """
    rows = [row for row in stats_articles.rows(report) if row.slug]
    # Counted by page: two articles may share a title. A shared title is
    # followed by its address, so the owner can tell which is which.
    titles = Counter(row.title for row in rows)
    names = {
        row.page: f"“{row.title}”" + (f" ({row.page})" if titles[row.title] > 1 else "")
        for row in rows
    }
    clicks = {row.page: row.booking_clicks for row in rows if row.booking_clicks}
    if len(clicks) < 2:
        return ""
    top = peaks(clicks)
    named = format_list([names[page] for page in top], locale=current_locale())
    if len(top) > 1:
        each = number(clicks[top[0]])
        return f"{named} brought the most booking clicks ({each} each)"
    if top:
        total = number(sum(clicks.values()))
        return (
            f"Most booking clicks came from {named}: "
            f"{number(clicks[top[0]])} of {total}"
        )
    every = format_list(
        [f"{names[page]} {counted(n, 'booking click')}" for page, n in clicks.items()],
        locale=current_locale(),
    )
    return f"Booking clicks by article: {every} (too few to say which brings more)"


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
    """The week's kept bookings in short lines (the website's are in the answer)."""
    kept = counted(week.bookings, "booking")
    lines = [
        f"{kept}, {change(week.bookings, before.bookings)}",
        counted(week.new_clients, "new client"),
    ]
    if week.cancelled_or_no_show:
        lines.append(f"{number(week.cancelled_or_no_show)} cancelled or no-show")
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
