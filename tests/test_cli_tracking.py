"""The owner's commands: stats, backup, prune, seed-demo."""

import datetime
import json
import re
import sqlite3
import stat
import threading

import pytest
import yaml

from webapp import create_app
from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect
from webapp.site.placements import PLACEMENTS, UNKNOWN
from webapp.site.widget_content import WIDGETS_FILE, load_widgets
from webapp.stats.demo import widget_uses
from webapp.tracking.vocabulary import VIEW

from .conftest import (
    DESKTOP,
    GOOGLEBOT,
    WHATSAPP,
    create_migrated_database,
    record,
    visit,
)


def stats_json(runner, *args):
    """``flask stats --json`` as a dict."""
    result = runner.invoke(args=["stats", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def count(database_path, sql):
    """One number from the test database."""
    db = connect(str(database_path))
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.conn.close()


@pytest.fixture
def traffic(client):
    """Two readers (one clicks twice), a bot and a link preview."""
    visit(client, "/")
    visit(client, "/book?from=header")
    visit(client, "/book?from=article-end")
    visit(client, "/", agent=DESKTOP)
    visit(client, "/", agent=GOOGLEBOT)
    visit(client, "/", agent=WHATSAPP)
    return client


# --- stats -----------------------------------------------------------------------


def test_stats_json_gives_the_totals(runner, traffic):
    numbers = stats_json(runner)
    assert numbers["page_views"] == 2
    assert numbers["unique_visitors"] == 2
    assert numbers["booking_clicks"] == 2
    assert numbers["unique_clickers"] == 1
    assert numbers["click_through_rate"] == 0.5
    assert numbers["filtered"] == {
        "bot": 1,
        "shared": 1,
        "ai": 0,
        "monitor": 0,
        "posing": 0,
        "prefetch": 0,
        "head": 0,
        "embedded": 0,
        "owner": 0,
    }
    assert numbers["days"] == 7


def test_stats_text_reads_like_a_small_table(app, runner, traffic):
    result = runner.invoke(args=["stats", "--days", "30"])
    assert result.exit_code == 0, result.output
    today = calendar.today(practice_zone(app))
    start = today - datetime.timedelta(days=29)
    # The period in the practice's locale (en_US), no time zone's name.
    period = f"{start:%b} {start.day}"
    assert result.output.startswith(period) and "(30 days)\n" in result.output
    assert f"{today.year} (30 days)" in result.output
    assert "America/New_York" not in result.output and "-0" not in result.output
    assert "Page views" in result.output and "Booking clicks" in result.output
    assert re.search(
        r"^  People who pressed a booking button +1  ", result.output, re.M
    )
    assert "unique clicker" not in result.output.lower()
    assert "50.0%" in result.output
    # The same words for each reason as on the dashboard, with its count.
    assert re.search(r"^  Other bots and crawlers +1$", result.output, re.M)


def readers(app, day, views, prefix):
    """``views`` readers on ``day``, at 10 in the morning."""
    when = datetime.datetime.combine(day, datetime.time(10), practice_zone(app))
    for n in range(views):
        record(app, [{"kind": VIEW}], f"{prefix}.{n}", when=when)


def test_stats_calls_a_difference_a_change_only_when_chance_rarely_makes_it(
    app, runner
):
    today = calendar.today(practice_zone(app))
    for days_ago, views, prefix in ((2, 3, "198.51.100"), (9, 9, "203.0.113")):
        readers(app, today - datetime.timedelta(days=days_ago), views, prefix)
    readers(app, today - datetime.timedelta(days=20), 40, "192.0.2")
    output = runner.invoke(args=["stats"]).output
    # 3 against 9 happens by chance (p = .146, see test_honesty.py).
    assert re.search(
        r"^  Page views +3  about the same as the 7 days before$", output, re.M
    )
    output = runner.invoke(args=["stats", "--days", "14"]).output
    # 12 against 40: 12 or fewer of 52 has chance about .00006 each side.
    assert re.search(
        r"^  Page views +12  down from 40 the 14 days before$", output, re.M
    )
    # Nobody pressed a booking button: two rates on no one are too few.
    assert re.search(r"^  Click-through rate +0.0%  too few to tell yet$", output, re.M)
    output = runner.invoke(args=["stats", "--days", "1"]).output
    assert "about the same as the day before" in output


def test_stats_compares_nothing_before_the_oldest_day_kept(app, runner):
    today = calendar.today(practice_zone(app))
    days = (today - calendar.EARLIEST).days + 1
    result = runner.invoke(args=["stats", "--days", str(days)])
    assert result.exit_code == 0, result.output
    assert "the same as" not in result.output and "Page views" in result.output
    result = runner.invoke(args=["stats", "--days", "99999999"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--days" in result.output


def test_stats_rejects_a_period_of_no_days(runner):
    result = runner.invoke(args=["stats", "--days", "0"])
    assert result.exit_code != 0
    assert result.exit_code == 2  # click's "usage error"
    assert "--days" in result.output
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--days': 0 is not in the range 1<=x<=36600."
    )


def test_stats_on_a_database_that_is_not_migrated_says_what_to_do(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    app = create_app({"TESTING": True, "DATABASE": str(empty)})
    result = app.test_cli_runner().invoke(args=["stats"])
    assert result.exit_code == 1
    assert "flask --app webapp migrate" in result.output
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: database {empty} has ")
    assert " pending migrations (m001_meta, " in line
    assert line.endswith("): run `flask --app webapp migrate`")


@pytest.mark.parametrize("command", ["stats", "backup", "prune", "seed-demo"])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"flask --app webapp {command}" in result.output


@pytest.mark.parametrize(
    ("command", "examples"),
    [
        (
            "stats",
            ["flask --app webapp stats --days 30", "flask --app webapp stats --json"],
        ),
        (
            "prune",
            ["flask --app webapp prune", "flask --app webapp prune --keep-days 90"],
        ),
        (
            "seed-demo",
            [
                "FLASK_DATABASE=demo.db flask --app webapp migrate",
                "FLASK_DATABASE=demo.db flask --app webapp seed-demo --events 20000",
            ],
        ),
    ],
)
def test_each_help_example_is_a_line_of_its_own(runner, command, examples):
    lines = runner.invoke(args=[command, "--help"]).output.splitlines()
    stripped = [line.strip() for line in lines]
    for example in examples:
        assert example in stripped, lines


# --- backup ----------------------------------------------------------------------


def test_backup_is_a_consistent_private_copy_without_the_salt(
    runner, traffic, tmp_path
):
    target = tmp_path / "backups" / "data-2025-03-18.db"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM events").fetchone()[0] == 4
        salt = "SELECT count(*) FROM meta WHERE key = 'visitor_salt'"
        assert copy.execute(salt).fetchone()[0] == 0
    finally:
        copy.close()
    assert not list(target.parent.glob(".*partial*"))


def test_backup_while_clicks_keep_arriving(app, runner, database_path, tmp_path):
    stop = threading.Event()
    answered = []

    def reader():
        client = app.test_client()
        while not stop.is_set() and len(answered) < 2000:
            answered.append(visit(client, "/book?from=footer").status_code)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for number in range(3):
            target = tmp_path / f"copy-{number}.db"
            result = runner.invoke(args=["backup", str(target)])
            assert result.exit_code == 0, result.output
            copy = sqlite3.connect(target)
            try:
                assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finally:
                copy.close()
    finally:
        stop.set()
        thread.join()
    assert set(answered) == {302}
    stored = count(database_path, "SELECT count(*) FROM events WHERE kind = 'click'")
    assert stored == len(answered)


def test_backup_refuses_to_overwrite_the_live_database(runner, database_path):
    result = runner.invoke(args=["backup", str(database_path)])
    assert result.exit_code == 1
    assert "another file" in result.output
    assert result.output == "Error: The backup must go to another file.\n"


def test_backup_into_a_missing_folder_says_so(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "nope" / "x.db")])
    assert result.exit_code == 1
    assert "No folder" in result.output
    assert result.output == f"Error: No folder {(tmp_path / 'nope').resolve()}.\n"


# --- prune -----------------------------------------------------------------------


def test_prune_keeps_the_totals(runner, database_path):
    seeded = runner.invoke(args=["seed-demo", "--events", "3000", "--days", "20"])
    assert seeded.exit_code == 0, seeded.output
    before = stats_json(runner, "--days", "20")
    result = runner.invoke(args=["prune", "--keep-days", "3"])
    assert result.exit_code == 0, result.output
    assert "Folded and deleted" in result.output
    cutoff = calendar.today(practice_zone(runner.app)) - datetime.timedelta(days=2)
    assert result.output.endswith(
        f" raw events from before {cutoff:%B} {cutoff.day}, {cutoff.year}.\n"
    )
    assert stats_json(runner, "--days", "20") == before
    days = count(database_path, "SELECT count(DISTINCT day) FROM events")
    assert days <= 3


def test_prune_needs_at_least_one_day(runner):
    result = runner.invoke(args=["prune", "--keep-days", "0"])
    assert result.exit_code != 0
    assert result.exit_code == 2  # click's "usage error"
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--keep-days': 0 is not in the range x>=1."
    )


# --- seed-demo -------------------------------------------------------------------


def test_seed_demo_makes_exactly_the_events_asked_for(runner, database_path):
    result = runner.invoke(
        args=["seed-demo", "--events", "5000", "--days", "30", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "Added 5,000 demo events" in result.output
    assert count(database_path, "SELECT count(*) FROM events") == 5000
    numbers = stats_json(runner, "--days", "30")
    views = count(database_path, "SELECT count(*) FROM events WHERE kind = 'view'")
    clicks = count(database_path, "SELECT count(*) FROM events WHERE kind = 'click'")
    unique = count(
        database_path,
        "SELECT count(*) FROM events WHERE kind = 'click' AND repeat = 0",
    )
    visitors = count(
        database_path,
        "SELECT count(*) FROM (SELECT DISTINCT day, visitor FROM events "
        "WHERE kind = 'view')",
    )
    assert numbers["page_views"] == views > 0
    assert numbers["booking_clicks"] == clicks > 0
    assert numbers["unique_clickers"] == unique
    assert numbers["unique_visitors"] == visitors
    assert sum(numbers["filtered"].values()) > 0


def test_seed_demo_data_looks_like_real_traffic(runner, database_path):
    runner.invoke(args=["seed-demo", "--events", "4000", "--seed", "3"])
    db = connect(str(database_path))
    try:
        kinds = dict(db.execute("SELECT kind, count(*) FROM events GROUP BY kind"))
        devices = dict(
            db.execute("SELECT device, count(*) FROM events GROUP BY device")
        )
        placements = {r[0] for r in db.execute("SELECT DISTINCT placement FROM events")}
        future = db.execute(
            "SELECT count(*) FROM events WHERE ts > strftime('%Y-%m-%dT%H:%M:%SZ', "
            "'now', '+1 minute')"
        ).fetchone()[0]
    finally:
        db.conn.close()
    assert kinds["view"] > kinds["widget"] > kinds["click"] > 0
    assert devices["mobile"] > devices["desktop"] > devices["tablet"] > 0
    assert {"header", "article-end"} <= placements
    assert future == 0


def test_seed_demo_refuses_a_database_with_real_events(runner, traffic, database_path):
    result = runner.invoke(args=["seed-demo", "--events", "100"])
    assert result.exit_code == 1
    assert "already holds real events" in result.output
    assert result.output == (
        f"Error: {database_path} already holds real events; seed-demo would mix "
        "made-up numbers into them. Use a fresh file (FLASK_DATABASE=demo.db) "
        "or add --force.\n"
    )
    assert count(database_path, "SELECT count(*) FROM events") == 4


def test_seed_demo_adds_to_a_used_database_only_with_force(
    runner, traffic, database_path
):
    result = runner.invoke(args=["seed-demo", "--events", "100", "--force"])
    assert result.exit_code == 0, result.output
    assert count(database_path, "SELECT count(*) FROM events") == 104


def test_seed_demo_twice_needs_force_too(runner, database_path):
    assert runner.invoke(args=["seed-demo", "--events", "50"]).exit_code == 0
    again = runner.invoke(args=["seed-demo", "--events", "50"])
    assert again.exit_code == 1
    assert "already holds demo events" in again.output
    assert again.output == (
        f"Error: {database_path} already holds demo events; seed-demo would mix "
        "made-up numbers into them. Use a fresh file (FLASK_DATABASE=demo.db) "
        "or add --force.\n"
    )


def test_seed_demo_fills_a_fresh_file_given_by_the_environment(tmp_path, monkeypatch):
    path = create_migrated_database(tmp_path / "demo.db")
    monkeypatch.setenv("FLASK_DATABASE", str(path))
    app = create_app({"TESTING": True})
    result = app.test_cli_runner().invoke(args=["seed-demo", "--events", "200"])
    assert result.exit_code == 0, result.output
    assert count(path, "SELECT count(*) FROM events") == 200


def test_seed_demo_widget_ids_come_from_the_content_file(tmp_path, database_path):
    # A content file with one more aspect: the demo must use its ids, and
    # only ids the page can really record.
    data = yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))
    data["comparison"]["aspects"].append(
        {"id": "cost", "label": "Cost", "medical": "M.", "therapeutic": "T."}
    )
    widgets_file = tmp_path / "widgets.yaml"
    widgets_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "WIDGETS_FILE": widgets_file,
        }
    )
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--events", "20000", "--days", "3", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    db = connect(str(database_path))
    try:
        stored = set(
            db.execute(
                "SELECT DISTINCT widget, detail FROM events WHERE kind = 'widget'"
            )
        )
        placements = {
            row[0]
            for row in db.execute(
                "SELECT DISTINCT placement FROM events WHERE kind = 'click'"
            )
        }
    finally:
        db.conn.close()
    possible = set(widget_uses(load_widgets(widgets_file)))
    assert stored <= possible
    assert ("aspect", "cost") in stored
    # Most of what the page can record shows up in 20,000 events.
    assert len(stored) >= len(possible) - 2
    assert placements <= {*PLACEMENTS, UNKNOWN}
    assert {"header", "article-end", UNKNOWN} <= placements
