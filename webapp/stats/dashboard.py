"""The owner's dashboard as plain data, built from two reports (report.py).

``build(db, period, time_zone)`` reads the chosen period and the one just before
it; the templates in templates/stats/ only lay the result out, and
export.py gives the same numbers to ``/stats.json``. Every number shown
comes from ``report.Report``, so the page, the CSV files, the JSON and
``flask --app webapp stats --json`` cannot disagree.
"""

from dataclasses import dataclass, field

from babel.dates import get_timezone, get_timezone_name
from flask import current_app

from ..bookings.summary import summarise
from ..core.formatting import current_locale, number, percent, rate
from ..notes.store import notes_between
from ..site.content import get_practice
from ..site.placements import placement_label
from ..tracking.vocabulary import CLICK, REASON_LABELS, VIEW, WIDGET
from . import articles, charts, conversion, honesty, reports
from .charts import FEW_VISITS, is_rough
from .earnings import answer_sentence
from .referrer_names import defang, referrer_label
from .reports import NOT_USED, USED, Report
from .rollups import ALL_PAGES

# Breakdown tables show this many rows, then one "everything else" row.
TOP_ROWS = 8

# The breakdowns of booking clicks: (dimension, title, column heading, empty value).
BREAKDOWNS = (
    ("placement", "Clicks by button", "Button", ""),
    (
        "referrer_host",
        "Clicks by referrer",
        "Came from",
        "Typed the address or no referrer",
    ),
    ("utm_campaign", "Clicks by campaign", "Campaign", "No campaign"),
    ("utm_source", "Clicks by campaign source", "Source", "No campaign"),
    ("device", "Clicks by device", "Device", "Unknown"),
)
# Dimensions that views carry too, so each row can have its click-through rate.
WITH_VISITORS = {"referrer_host", "utm_campaign", "utm_source", "device"}
HEADLINES = (
    ("page_views", "Page views"),
    ("unique_visitors", "Unique visitors"),
    ("booking_clicks", "Booking clicks"),
    ("unique_clickers", "People who pressed a booking button"),
    ("click_through_rate", "Click-through rate"),
    ("calls", "Calls"),
)


# What a "rough guide" flag means, under the tables that carry one.
ROUGH_RATES_NOTE = (
    f"Fewer than {FEW_VISITS} visitors: few visits so far, so treat the rate as "
    "a rough guide."
)
ROUGH_SHARES_NOTE = (
    f"Fewer than {FEW_VISITS} booking clicks so far: treat these shares as a "
    "rough guide."
)


@dataclass
class Headline:
    """One headline number with its change against the previous period."""

    key: str
    label: str
    value: object
    text: str
    previous: object
    previous_text: str
    # honesty.change_words: "up from 12 the 7 days before", "about the same as...".
    change: str
    # "up", "down", "same" or "too-few" (honesty.Change.direction).
    direction: str
    rough: bool = False


@dataclass
class BreakdownRow:
    """One value of a breakdown (a referrer, a campaign...)."""

    value: str
    label: str
    clicks: int
    clickers: int
    visitors: int | None = None
    rate: float | None = None
    share: float | None = None
    rough: bool = False
    other: bool = False
    # The stored values behind a label ("www.google.com" for "Google"), on hover.
    title: str = ""


@dataclass
class Breakdown:
    """Booking clicks split by one dimension."""

    dimension: str
    title: str
    heading: str
    rows: list
    with_visitors: bool
    total_clicks: int
    rough: bool = False

    @property
    def rough_note(self):
        """What the flag under this table means."""
        return ROUGH_RATES_NOTE if self.with_visitors else ROUGH_SHARES_NOTE


@dataclass
class Dashboard:
    """Everything the stats page shows for one period."""

    period: object
    previous_period: object
    report: Report
    # The previous period's ``Report.totals()``.
    previous: dict
    time_zone: str
    headlines: list = field(default_factory=list)
    chart: charts.Chart | None = None
    breakdowns: list = field(default_factory=list)
    chooser: list = field(default_factory=list)
    widget_groups: list = field(default_factory=list)
    heatmap: dict = field(default_factory=dict)
    filtered: list = field(default_factory=list)
    rough_rates_note: str = ROUGH_RATES_NOTE
    # The owner's notes of the period ({"id", "day", "text"}, oldest first).
    notes: list = field(default_factory=list)
    # Imported bookings beside the clicks (conversion.ClickToClient).
    click_to_client: conversion.ClickToClient | None = None
    # The first words: what the article earned (earnings.answer_sentence).
    answer: str = ""
    # No reader counted yet (no view, click or widget use): the first-day checklist.
    first_day: bool = False
    # The page the dashboard is narrowed to (ALL_PAGES: every article), the
    # article's slug and title when narrowed.
    page: str = ALL_PAGES
    article_slug: str | None = None
    article_title: str = ""
    # Each article's numbers (articles.ArticleRow), the whole site's totals
    # (``Report.totals()``) and whether the table is worth showing.
    articles: list = field(default_factory=list)
    site_totals: dict = field(default_factory=dict)
    site_rough: bool = False
    show_articles: bool = False

    @property
    def article_args(self):
        """What a link keeps to stay on the same article: ``{"article": slug}``."""
        return {"article": self.article_slug} if self.article_slug else {}

    @property
    def zone_name(self):
        """The practice's time zone as people say it: "Eastern Time"."""
        name = get_timezone_name(get_timezone(self.time_zone), locale=current_locale())
        return "UTC" if name.startswith("Unknown") else name


# --- Building ------------------------------------------------------------------------


def build(
    db,
    period,
    time_zone,
    chooser_outcomes=None,
    config=None,
    platform="",
    today=None,
    article=None,
):
    """The dashboard for ``period`` (a periods.Period), compared with the one before.

    ``config`` (the app's settings: booking sources, fees, currency) and
    ``platform`` (the booking platform's name) are for the bookings panel;
    ``today`` tells which bookings are still to come. ``article``: a slug
    narrows every number to that article (articles.UnknownArticle if none).
    """
    page = articles.page_of(article)
    report = reports.report(db, period.start, period.end, page)
    # Bookings are the whole site's: their panel sets them beside every click.
    site = report
    if page != ALL_PAGES:
        site = reports.report(db, period.start, period.end)
    previous_period = period.previous()
    previous = reports.period_totals(
        db, previous_period.start, previous_period.end, page
    )
    board = Dashboard(period, previous_period, report, previous, time_zone, page=page)
    if page != ALL_PAGES:
        board.article_slug, board.article_title = article, articles.title_of(article)
    board.site_totals = site.totals()
    board.site_rough = is_rough(site.unique_visitors)
    board.articles = articles.rows(site)
    board.show_articles = articles.shows_table(board.articles)
    board.first_day = not reports.has_reader_event(db)
    board.headlines = headlines(report, previous, since_words(period.days))
    board.notes = notes_between(db, period.start, period.end)
    board.chart = charts.chart(report, board.notes)
    if config is None:
        config = current_app.config
    summary = summarise(db, period.start, period.end, config, today=today)
    board.click_to_client = conversion.panel(site, summary, config, platform)
    board.answer = answer_sentence(summary, period.label, get_practice().currency)
    board.breakdowns = [breakdown(report, *spec) for spec in BREAKDOWNS]
    board.chooser = chooser_rows(report, chooser_outcomes or {})
    board.widget_groups = widget_groups(report)
    board.heatmap = charts.heatmap(report)
    board.filtered = [
        (REASON_LABELS[reason], count) for reason, count in report.filtered.items()
    ]
    return board


def since_words(days):
    """What a change compares with: "the day before", "the 7 days before"."""
    return "the day before" if days == 1 else f"the {number(days)} days before"


def headlines(report, previous, since="the days before"):
    """The headline numbers, each against the previous period (honesty rules)."""
    items = []
    for key, label in HEADLINES:
        value, before = getattr(report, key), previous[key]
        if key == "click_through_rate":
            text, before_text = percent(value), percent(before)
            change = honesty.rate_change(
                report.unique_clickers,
                report.unique_visitors,
                previous["unique_clickers"],
                previous["unique_visitors"],
            )
            rough = is_rough(report.unique_visitors)
        else:
            text, before_text = number(value), number(before)
            change = honesty.count_change(value, before)
            rough = False
        words = honesty.change_words(change, before_text, since)
        items.append(
            Headline(
                key,
                label,
                value,
                text,
                before,
                before_text,
                words,
                change.direction,
                rough,
            )
        )
    return items


def breakdown(report, dimension, title, heading, empty_label):
    """Booking clicks by one dimension, biggest first, the long tail folded."""
    clicks = {value: (n, u) for value, n, u in report.breakdown(CLICK, dimension)}
    with_visitors = dimension in WITH_VISITORS
    visitors = {}
    if with_visitors:
        visitors = {value: u for value, _n, u in report.breakdown(VIEW, dimension)}
    total = report.booking_clicks
    # Values the owner reads as one ("google.com", "www.google.com": Google)
    # make one row; the stored values stay in its title and in the CSV.
    merged = {}
    for value in sorted(set(clicks) | set(visitors)):
        label = _label(dimension, value, empty_label)
        n, u = clicks.get(value, (0, 0))
        values, *sums = merged.get(label, ([], 0, 0, 0))
        merged[label] = (
            [*values, value],
            sums[0] + n,
            sums[1] + u,
            sums[2] + visitors.get(value, 0),
        )
    rows = []
    for label, (values, n, u, seen) in merged.items():
        row = _row(values[0], label, n, u, seen if with_visitors else None, total)
        if dimension == "referrer_host" and any(values):
            row.title = ", ".join(v for v in values if v)
        rows.append(row)
    rows.sort(key=lambda r: (-r.clicks, -(r.visitors or 0), r.label))
    if len(rows) > TOP_ROWS + 1:
        tail = rows[TOP_ROWS:]
        other = _row(
            "",
            f"Everything else ({len(tail)})",
            sum(r.clicks for r in tail),
            sum(r.clickers for r in tail),
            sum(r.visitors or 0 for r in tail) if with_visitors else None,
            total,
        )
        other.other = True
        rows = [*rows[:TOP_ROWS], other]
    return Breakdown(
        dimension=dimension,
        title=title,
        heading=heading,
        rows=rows,
        with_visitors=with_visitors,
        total_clicks=total,
        rough=is_rough(total),
    )


def _row(value, label, clicks, clickers, visitors, total_clicks):
    """One breakdown row with its rate (per visitor) or share (of all clicks)."""
    row = BreakdownRow(value=value, label=label, clicks=clicks, clickers=clickers)
    row.share = rate(clicks, total_clicks)
    if visitors is not None:
        row.visitors = visitors
        row.rate = rate(clickers, visitors)
        row.rough = is_rough(visitors)
    return row


def _label(dimension, value, empty_label):
    """What the owner reads for a stored value (the value itself, unless coded)."""
    if dimension == "placement":
        return placement_label(value) if value else empty_label
    if dimension == "device":
        return value.capitalize() if value else empty_label
    if dimension == "referrer_host" and value:
        # A known site by its name ("Google"); others as the host itself (the
        # letter's defanged "a[.]example" guards mail clients, not this page).
        name = referrer_label(value)
        return value if name == defang(value.lower().rstrip(".")) else name
    return value or empty_label


def chooser_rows(report, outcomes):
    """Chooser outcomes: readers shown each suggestion, and clicks on its button."""
    clicks = {value: n for value, n, _u in report.breakdown(CLICK, "placement")}
    rows = []
    for value, events, readers in report.breakdown(WIDGET, "widget"):
        widget, _, outcome = value.partition(":")
        if widget != "chooser":
            continue
        rows.append(
            {
                "outcome": outcome,
                "label": outcomes.get(outcome, outcome or "Unknown"),
                "shown": events,
                "readers": readers,
                "booking_clicks": clicks.get(f"chooser-{outcome}", 0),
            }
        )
    return rows


def widget_groups(report):
    """Readers who used a widget and those who did not, with each group's rate."""
    groups = report.widget_groups()
    labels = {USED: "Used a widget", NOT_USED: "Did not use one"}
    return [
        {
            "key": key,
            "label": labels[key],
            "visitors": group["visitors"],
            "clickers": group["clickers"],
            "rate": group["click_through_rate"],
            "rough": is_rough(group["visitors"]),
        }
        for key, group in groups.items()
    ]


# --- The JSON document ------------------------------------------------------------
