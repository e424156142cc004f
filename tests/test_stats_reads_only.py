"""The owner's numbers: a page only reads; a late event counts, rolled up or not."""

import datetime
import json
import sqlite3

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect, immediate
from webapp.stats import rollups
from webapp.tracking import store
from webapp.tracking.vocabulary import CLICK, VIEW

from .conftest import record


def late_click(app, day, reader):
    """A click of ``day`` stored today, as the writer stores a journal replayed late."""
    tz = practice_zone(app)
    when = datetime.datetime.combine(day, datetime.time(15), tz)
    entry = store.Entry(
        when.timestamp(),
        None,
        page="/",
        pseudonym=reader,
        events=[{"kind": CLICK, "placement": "header"}],
    )
    db = connect(app.config["DATABASE"])
    try:
        with immediate(db):
            secret, today = app.config["SECRET_KEY"], calendar.today(tz).isoformat()
            store.write_entry(db, entry, secret, tz, today=today)
    finally:
        db.conn.close()


def clicks_shown(client, day):
    """The booking clicks /stats.json shows for one day."""
    response = client.get(f"/stats.json?from={day}&to={day}")
    assert response.status_code == 200
    return json.loads(response.data)["totals"]["booking_clicks"]


def test_the_dashboard_and_its_json_write_nothing_and_count_a_late_event(
    app, owner_client
):
    tz = practice_zone(app)
    today = calendar.today(tz)
    days = [today - datetime.timedelta(days=back) for back in (3, 2, 1)]
    for number, day in enumerate(days):
        when = datetime.datetime.combine(day, datetime.time(10), tz)
        record(app, [{"kind": VIEW}, {"kind": CLICK}], f"203.0.113.{number}", when=when)
    db = connect(app.config["DATABASE"])
    assert rollups.ensure_rollups(db, today) == 3
    late_click(app, days[1], "a reader whose journal was replayed late")

    watcher = sqlite3.connect(app.config["DATABASE"])
    version = watcher.execute("PRAGMA data_version").fetchone()
    rows = db.execute("SELECT * FROM daily_counts ORDER BY 1, 2, 3, 4").fetchall()
    assert owner_client.get("/stats?preset=30d").status_code == 200
    assert owner_client.get("/stats?preset=30d", headers={"HX-Request": "true"})
    # The late click is counted although the day's rollup does not hold it yet.
    assert clicks_shown(owner_client, days[1]) == 2
    assert clicks_shown(owner_client, days[0]) == 1
    # Nothing was written: no rollup made or remade, no mark settled.
    assert watcher.execute("PRAGMA data_version").fetchone() == version
    assert (
        db.execute("SELECT * FROM daily_counts ORDER BY 1, 2, 3, 4").fetchall() == rows
    )
    assert db.execute("SELECT day FROM late_days").fetchall() == [
        (days[1].isoformat(),)
    ]
    watcher.close()

    # The nightly prune rolls the late day up again, with the late click.
    assert rollups.ensure_rollups(db, today) == 1
    assert db.execute("SELECT count(*) FROM late_days").fetchone() == (0,)
    assert db.execute(
        "SELECT events FROM daily_counts WHERE day = ? AND kind = ? "
        "AND dimension = 'total' AND page = '*'",
        [days[1].isoformat(), CLICK],
    ).fetchone() == (2,)
    assert clicks_shown(owner_client, days[1]) == 2
    db.conn.close()


def test_a_late_event_never_touches_the_rollups(app):
    tz = practice_zone(app)
    yesterday = calendar.today(tz) - datetime.timedelta(days=1)
    when = datetime.datetime.combine(yesterday, datetime.time(9), tz)
    record(app, [{"kind": VIEW}], "203.0.113.7", when=when)
    db = connect(app.config["DATABASE"])
    rollups.ensure_rollups(db, calendar.today(tz))
    before = db.execute("SELECT * FROM daily_counts ORDER BY 1, 2, 3, 4").fetchall()
    rolled = db.execute("SELECT day FROM rolled_days").fetchall()
    late_click(app, yesterday, "late")
    assert db.execute("SELECT * FROM daily_counts ORDER BY 1, 2, 3, 4").fetchall() == (
        before
    )
    assert db.execute("SELECT day FROM rolled_days").fetchall() == rolled
    # The nightly prune rolls the day up again before it folds its raw events.
    assert rollups.prune(db, keep_days=1, today=calendar.today(tz)) == 2
    assert db.execute(
        "SELECT kind, events FROM daily_counts WHERE day = ? AND dimension = 'total' "
        "AND page = '*'",
        [yesterday.isoformat()],
    ).fetchall() == [(CLICK, 1), (VIEW, 1)]
    db.conn.close()
