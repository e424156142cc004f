"""The owner's commands for the tracked numbers: stats, backup, prune, seed-demo."""

import contextlib
import json
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import demo, stats
from .db import connect, get_db, pending_migrations
from .tracking import REASONS, SALT_META_KEY, local_today, zone


def _database():
    """This app's database, or a clear error if it is missing or not migrated."""
    path = current_app.config["DATABASE"]
    if not Path(path).exists():
        raise click.ClickException(
            f"No database at {path}: run `flask --app webapp migrate` first."
        )
    db = get_db()
    if pending_migrations(db):
        raise click.ClickException(
            f"The database at {path} is not up to date: "
            "run `flask --app webapp migrate` first."
        )
    return db


@click.command("stats")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="How many days to count, today included.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def stats_command(days, as_json):
    """Show page views, booking clicks and what was filtered, for the last N days.

    Days are the practice's (FLASK_TIME_ZONE). Click-through rate is unique
    clickers / unique visitors. "Filtered" counts what was not counted, by
    reason: bot, prefetch, head, shared (link previews), owner.

    Example:

        flask --app webapp stats --days 30
        flask --app webapp stats --json
    """
    db = _database()
    today = local_today()
    start = today - timedelta(days=days - 1)
    numbers = stats.report(db, start, today, today=today).totals()
    if as_json:
        click.echo(json.dumps(numbers, sort_keys=True))
        return
    click.echo(_stats_text(numbers, current_app.config["TIME_ZONE"]))


def _stats_text(numbers, time_zone):
    """The totals as a short table for a terminal."""
    rate = numbers["click_through_rate"]
    lines = [
        f"{numbers['start']} to {numbers['end']} "
        f"({numbers['days']} day{'s' if numbers['days'] != 1 else ''}, {time_zone})",
        "",
        f"  Page views          {numbers['page_views']:>9,}",
        f"  Unique visitors     {numbers['unique_visitors']:>9,}",
        f"  Booking clicks      {numbers['booking_clicks']:>9,}",
        f"  Unique clickers     {numbers['unique_clickers']:>9,}",
        "  Click-through rate  "
        + (f"{rate:>9.1%}" if rate is not None else f"{'n/a':>9}")
        + "  (unique clickers / unique visitors)",
        f"  Widget events       {numbers['widget_events']:>9,}",
        "",
        "Not counted:",
    ]
    labels = {
        "head": "HEAD requests",
        "prefetch": "prefetch/prerender",
        "shared": "link previews (shared)",
        "bot": "bots and crawlers",
        "owner": "your own visits",
    }
    for reason in REASONS:
        lines.append(f"  {labels[reason]:<24}{numbers['filtered'][reason]:>7,}")
    return "\n".join(lines)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path):
    """Write a consistent copy of the live database to PATH; safe while serving.

    Uses SQLite's VACUUM INTO (a snapshot: visitors keep clicking meanwhile),
    writes to a temporary file first, checks the copy and then moves it into
    place, so PATH is never half-written. The copy leaves out the day's
    visitor salt and is readable only by its owner.

    Example:

        flask --app webapp backup /var/backups/massage/data-$(date +%F).db
    """
    source = Path(current_app.config["DATABASE"]).resolve()
    target = path.resolve()
    if target == source:
        raise click.ClickException("The backup must go to another file.")
    if not source.exists():
        raise click.ClickException(f"No database at {source}.")
    if not target.parent.is_dir():
        raise click.ClickException(f"No folder {target.parent}.")
    started = time.monotonic()
    backup(str(source), target)
    size = target.stat().st_size
    click.echo(
        f"Backed up {source} to {target} "
        f"({size / 1_048_576:.1f} MB, {time.monotonic() - started:.1f}s)."
    )


def backup(source, target):
    """Copy database ``source`` to ``target`` (a Path) consistently and atomically."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    db = connect(source)
    try:
        db.execute("VACUUM INTO ?", [str(partial)])
    finally:
        db.conn.close()
    try:
        os.chmod(partial, 0o600)
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            copy.execute("PRAGMA secure_delete = ON")
            # (A database without the meta table has no salt to leave out.)
            with contextlib.suppress(sqlite3.OperationalError):
                copy.execute("DELETE FROM meta WHERE key = ?", [SALT_META_KEY])
            result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
        if result != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {result}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@click.command("prune")
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    required=True,
    help="Keep raw events of this many most recent days, today included.",
)
@with_appcontext
def prune_command(keep_days):
    """Fold raw events older than N days into daily totals, and delete them.

    Totals and breakdowns stay exactly the same; only the event-by-event rows
    of older days go (the raw CSV export has nothing for those days). Safe
    while serving: it deletes in small batches. Freed space is reused, so the
    file stops growing.

    Example:

        flask --app webapp prune --keep-days 90
    """
    db = _database()
    today = local_today()
    deleted = stats.prune(db, keep_days, today)
    cutoff = today - timedelta(days=keep_days - 1)
    click.echo(f"Folded and deleted {deleted:,} raw event(s) from before {cutoff}.")


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

    Example:

        FLASK_DATABASE=demo.db flask --app webapp migrate
        FLASK_DATABASE=demo.db flask --app webapp seed-demo --events 20000
    """
    import random

    db = _database()
    if stats.has_tracking_data(db) and not force:
        what = "demo events" if demo.is_demo(db) else "real events"
        raise click.ClickException(
            f"{current_app.config['DATABASE']} already holds {what}; seed-demo "
            "would mix made-up numbers into them. Use a fresh file "
            "(FLASK_DATABASE=demo.db) or add --force."
        )
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (made-up data, not security)
    tz = zone(current_app.config["TIME_ZONE"])
    seeded = demo.seed(db, events, days, datetime.now(UTC), tz, rng)
    click.echo(
        f"Added {seeded.events:,} demo events (and {seeded.filtered:,} not-counted "
        f"ones) from {seeded.first_day} to {seeded.last_day} "
        f"in {time.monotonic() - started:.1f}s."
    )


def init_app(app):
    """Register the owner's tracking commands."""
    for command in (stats_command, backup_command, prune_command, seed_demo_command):
        app.cli.add_command(command)
