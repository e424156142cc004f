"""The owner's commands for the numbers: ``stats``, ``prune``, ``seed-demo``."""

import json
import random
import time
from datetime import UTC, datetime, timedelta

import click
from babel.dates import format_interval
from flask import current_app
from flask.cli import with_appcontext

from ..bookings.summary import summarise
from ..core import calendar
from ..core.checks import check_retention_days
from ..core.db import get_migrated_db
from ..core.formatting import current_locale, long_date, number, percent
from ..site.articles import all_articles, published_articles
from ..site.content import get_widgets
from ..tracking.vocabulary import REASON_LABELS
from ..tracking.writer import lost_counts
from . import articles, conversion, demo, export, reports, rollups
from .honesty import change_words, count_change, rate_change

# The most days `stats` counts back (about a century): further back is not a date.
MOST_DAYS = 36_600
# The counts the text compares with the same number of days before, and
# what it calls each.
COMPARED = (
    ("page_views", "Page views"),
    ("unique_visitors", "Unique visitors"),
    ("booking_clicks", "Booking clicks"),
    ("unique_clickers", "People who pressed a booking button"),
)
# The calls, compared the same way, shown after the click-through rate.
CALLS = (("calls", "Calls"), ("unique_callers", "People who called"))
# Labels as wide as the longest, so the numbers stay in one column.
LABEL_WIDTH = max(len(label) for _key, label in COMPARED + CALLS) + 2


@click.command("stats")
@click.option(
    "--days",
    type=click.IntRange(min=1, max=MOST_DAYS),
    default=7,
    show_default=True,
    help="How many days to count, today included.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--article",
    metavar="SLUG",
    help="Count only this article (its file's name, without .md).",
)
@with_appcontext
def stats_command(days, as_json, article):
    """Show page views, booking clicks and what was filtered, for the last N days.

    Days are the practice's (FLASK_TIME_ZONE). Each count is compared with
    the same number of days just before: "up" or "down" only when chance
    would rarely make a difference that size, else "about the same"; two
    rates resting on fewer than 20 people who pressed a booking button are
    "too few to tell yet". The click-through rate is people who pressed a
    booking button out of unique visitors. Calls are presses on the
    practice's phone number on an article (reported only by a browser that
    runs JavaScript); a second one within 30 minutes is not a new person who
    called. "Not counted" gives what was
    filtered out, by reason (always for every article: it is not tallied by
    article). "Lost before storing" counts events the journal
    had to drop (full while the database refused them) and lines cut off by a
    crash mid-write; in --json they appear as "journal_lost" once either is
    above zero. Kept bookings (completed or upcoming), through the website,
    new clients and cancelled or no-show ones come from your imports; the
    text shows them once any exist (always for every article: a booking does
    not say which article it came from).

    With more than one article, each article's numbers follow ("articles"
    in --json); --article SLUG counts only that article.

    \b
    Example:
        flask --app webapp stats
        flask --app webapp stats --days 30
        flask --app webapp stats --json
        flask --app webapp stats --article prenatal-massage
    """
    try:
        page = articles.page_of(article)
    except articles.UnknownArticle as problem:
        known = ", ".join(a.slug for a in all_articles())
        raise click.BadParameter(
            f"{problem} The articles are: {known}.", param_hint="'--article'"
        ) from None
    db = get_migrated_db()
    today = calendar.today()
    start = today - timedelta(days=days - 1)
    rollups.ensure_rollups(db, today)  # here, not on a page: a page only reads
    report = reports.report(db, start, today, page)
    numbers = report.totals()
    rows = articles.rows(report)
    if article:
        numbers["article"] = article
    numbers.update(export.filtered_scope(article))
    if articles.shows_table(rows):
        numbers["articles"] = [row.as_json() for row in rows]
    summary = summarise(db, start, today, current_app.config)
    numbers.update(conversion.booking_totals(summary))
    lost = lost_counts(db)
    if as_json:
        # Only when something was lost, so that the totals stay the same
        # object as /stats.json's otherwise.
        if any(lost.values()):
            numbers["journal_lost"] = lost
        click.echo(json.dumps(numbers, sort_keys=True))
        return
    before = None
    if days <= (start - calendar.EARLIEST).days:
        before_end = start - timedelta(days=1)
        before_start = before_end - timedelta(days=days - 1)
        before = reports.period_totals(db, before_start, before_end, page)
    if article:
        click.echo(f"Only the article “{articles.title_of(article)}”.")
    click.echo(_stats_text(numbers, before))
    if "articles" in numbers:
        click.echo(_articles_text(rows))
    if summary.any_imported:
        click.echo(_bookings_text(numbers))
    click.echo(_lost_text(lost))


def _stats_text(numbers, before):
    """The totals as a short table for a terminal, each with its change.

    ``before`` holds the same totals for the days just before (None when those
    days lie before the oldest day kept: nothing to compare with).
    """
    days = numbers["days"]
    start, end = (datetime.fromisoformat(numbers[k]).date() for k in ("start", "end"))
    since = "the day before" if days == 1 else f"the {days} days before"
    period = format_interval(start, end, "yMMMd", locale=current_locale())
    lines = [f"{period} ({days} day{'s' if days != 1 else ''})", ""]
    lines += [
        _count_line(numbers, before, key, label, since) for key, label in COMPARED
    ]
    line = f"  {'Click-through rate':<{LABEL_WIDTH}}"
    line += f"{percent(numbers['click_through_rate']):>9}"
    if before is not None and numbers["unique_visitors"] and before["unique_visitors"]:
        moved = rate_change(
            numbers["unique_clickers"],
            numbers["unique_visitors"],
            before["unique_clickers"],
            before["unique_visitors"],
        )
        line += f"  {change_words(moved, percent(before['click_through_rate']), since)}"
    lines += [
        line,
        *(_count_line(numbers, before, key, label, since) for key, label in CALLS),
        f"  {'Widget events':<{LABEL_WIDTH}}{number(numbers['widget_events']):>9}",
        "",
        "Click-through rate: people who pressed a booking button, out of unique"
        " visitors.",
        f"Calls: presses on your phone number on {articles.articles_words()};",
        "only a browser that runs JavaScript reports one,",
        "and a number dialled by hand is not counted.",
        "",
        # Left-out requests are tallied by reason only, never by article.
        "Not counted (every article, not only this one):"
        if "article" in numbers
        else "Not counted:",
    ]
    # As wide as the longest label, so the numbers stay in one column.
    width = max(len(label) for label in REASON_LABELS.values()) + 2
    for reason, label in REASON_LABELS.items():
        lines.append(f"  {label:<{width}}{number(numbers['filtered'][reason]):>7}")
    return "\n".join(lines)


def _count_line(numbers, before, key, label, since):
    """One count of the table, with its change against the days before."""
    line = f"  {label:<{LABEL_WIDTH}}{number(numbers[key]):>9}"
    if before is not None:
        moved = count_change(numbers[key], before[key])
        line += f"  {change_words(moved, number(before[key]), since)}"
    return line


def _articles_text(rows):
    """Each article's views, booking clicks and click-through rate, one a line."""
    width = max(len(row.title) for row in rows) + 2
    lines = ["", "By article (views, booking clicks, click-through rate):"]
    for row in rows:
        rough = " (few visits: a rough guide)" if row.rough else ""
        lines.append(
            f"  {row.title:<{width}}{number(row.page_views):>9}"
            f"{number(row.booking_clicks):>9}"
            f"{percent(row.click_through_rate):>9}{rough}"
        )
    return "\n".join(lines)


def _bookings_text(numbers):
    """The imported bookings of the period, in one line."""
    return (
        f"\n  {'Kept bookings':<{LABEL_WIDTH}}{number(numbers['bookings']):>9}"
        f"  (completed or upcoming: {number(numbers['website_bookings'])} through"
        f" your website, {number(numbers['new_clients'])} new clients;"
        f" {number(numbers['cancelled'])} more cancelled or no-show)"
    )


def _lost_text(lost):
    """What never reached the database (since the database was made)."""
    return "\n".join(
        [
            "",
            "Lost before storing (all time):",
            f"  {'Dropped, journal full':<24}{number(lost['dropped']):>7}",
            f"  {'Torn lines after a crash':<24}{number(lost['torn']):>7}",
        ]
    )


@click.command("prune")
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep raw events of this many most recent days, today included "
    "[default: FLASK_RETENTION_DAYS, 760].",
)
@with_appcontext
def prune_command(keep_days):
    """Fold raw events older than the retention into daily totals, and delete them.

    Totals and breakdowns stay exactly the same; only the event-by-event rows
    of older days go (the raw CSV export has nothing for those days). Safe
    while serving: it deletes in small batches. Freed space is reused, so the
    file stops growing. The nightly webapp-backup.service runs it after the
    backup, with the configured retention.

    \b
    Example:
        flask --app webapp prune
        flask --app webapp prune --keep-days 90
    """
    if keep_days is None:
        retention = check_retention_days(current_app.config)
        if not retention.ok:
            raise click.ClickException(retention.problem)
        keep_days = current_app.config["RETENTION_DAYS"]
    db = get_migrated_db()
    today = calendar.today()
    deleted = rollups.prune(db, keep_days, today)
    cutoff = today - timedelta(days=keep_days - 1)
    events = "raw event" if deleted == 1 else "raw events"
    click.echo(
        f"Folded and deleted {number(deleted)} {events} from before"
        f" {long_date(cutoff)}."
    )


@click.command("seed-demo")
@click.option(
    "--events",
    type=click.IntRange(min=1, max=10_000_000),
    required=True,
    help="How many events (views, clicks, widget uses) to make.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=3650),
    default=90,
    show_default=True,
    help="Spread them over this many days, up to now.",
)
@click.option("--force", is_flag=True, help="Add them even to a database in use.")
@click.option("--seed", type=int, help="Random seed, for the same data every time.")
@with_appcontext
def seed_demo_command(events, days, force, seed):
    """Fill the database with made-up events, to try the stats before launch.

    Refuses a database that already holds events unless --force is given:
    made-up numbers would mix with real ones for good. Use a separate file.

    \b
    Example:
        FLASK_DATABASE=demo.db flask --app webapp migrate
        FLASK_DATABASE=demo.db flask --app webapp seed-demo --events 20000
    """
    db = get_migrated_db()
    if reports.has_tracking_data(db) and not force:
        what = "demo events" if demo.is_demo(db) else "real events"
        raise click.ClickException(
            f"{current_app.config['DATABASE']} already holds {what}; seed-demo "
            "would mix made-up numbers into them. Use a fresh file "
            "(FLASK_DATABASE=demo.db) or add --force."
        )
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (made-up data, not security)
    seeded = demo.seed(
        db,
        events,
        days,
        datetime.now(UTC),
        calendar.practice_zone(),
        get_widgets(),
        rng,
        other_pages=[a.path for a in published_articles() if not a.home],
    )
    click.echo(
        f"Added {seeded.events:,} demo events (and {seeded.filtered:,} not-counted "
        f"ones) from {long_date(seeded.first_day)} to {long_date(seeded.last_day)} "
        f"in {time.monotonic() - started:.1f}s."
    )


def init_app(app):
    """Register the owner's tracking commands."""
    for command in (stats_command, prune_command, seed_demo_command):
        app.cli.add_command(command)
