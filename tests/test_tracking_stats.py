"""The numbers: totals known by construction, the same from rollups as from raw rows."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from webapp.core.db import connect, immediate
from webapp.stats import reports, rollups
from webapp.tracking import capture, classify, store

from .conftest import DESKTOP, PHONE

TZ = ZoneInfo("America/New_York")


def at(day, hour, minute=0):
    """A UTC moment at a local (New York, March: UTC-4) day and hour."""
    local = datetime.datetime(2025, 3, day, hour, minute, tzinfo=TZ)
    return local.astimezone(datetime.UTC)


def add(db, when, ip, *events, agent=PHONE, referrer="", utm=None):
    """Record ``events`` (dicts) for one reader at ``when``."""
    device, browser = classify.device_and_browser(agent)
    reader = capture.Visit(
        ip, agent, None, "/", referrer, utm or {}, device, browser, list(events)
    )
    store.record(db, reader, "secret", TZ, now=when)


VIEW = {"kind": "view"}


def call(placement):
    """A press on the practice's phone number at ``placement``."""
    return {"kind": "call", "placement": placement}


def click(placement):
    """A booking click event at ``placement``."""
    return {"kind": "click", "placement": placement}


def widget(name, detail):
    """A widget event."""
    return {"kind": "widget", "widget": name, "detail": detail}


@pytest.fixture
def db(database_path):
    """The migrated test database, filled with a week whose totals we know."""
    db = connect(str(database_path))
    # 17 March: three readers; one uses a widget and clicks twice (a repeat).
    add(db, at(17, 9), "10.0.0.1", VIEW, referrer="www.google.com")
    add(db, at(17, 9, 5), "10.0.0.1", widget("chooser", "medical"))
    add(db, at(17, 9, 6), "10.0.0.1", click("chooser-medical"))
    add(db, at(17, 9, 7), "10.0.0.1", click("chooser-medical"))
    add(db, at(17, 20), "10.0.0.2", VIEW, utm={"utm_campaign": "spring"})
    add(db, at(17, 21), "10.0.0.3", VIEW, agent=DESKTOP)
    add(db, at(17, 21, 1), "10.0.0.3", VIEW, agent=DESKTOP)  # a reload
    # 18 March: reader 1 again (a new visitor: new day) clicks without a view.
    add(db, at(18, 12), "10.0.0.1", click("header"))
    add(db, at(18, 13), "10.0.0.4", VIEW, click("article-end"))
    # ... and phones the practice twice (the second call a repeat).
    add(db, at(18, 13, 2), "10.0.0.4", call("practice"))
    add(db, at(18, 13, 9), "10.0.0.4", call("footer"))
    # 19 March: one view, one bot tallied.
    add(db, at(19, 22), "10.0.0.5", VIEW, widget("aspect", "training"))
    with immediate(db):
        for kind in ("view", "click"):
            store.add_filtered(db, "2025-03-19", "bot", kind)
    yield db
    db.conn.close()


START, END = datetime.date(2025, 3, 17), datetime.date(2025, 3, 19)


def test_totals_match_what_was_recorded(db):
    report = reports.report(db, START, END)
    assert report.totals() == {
        "start": "2025-03-17",
        "end": "2025-03-19",
        "days": 3,
        "page_views": 6,
        "unique_visitors": 5,  # 3 on the 17th, 1 on the 18th, 1 on the 19th
        "booking_clicks": 4,
        "unique_clickers": 3,  # the repeat within 30 minutes is not unique
        "click_through_rate": 0.6,
        "widget_events": 2,
        "filtered": {
            "head": 0,
            "embedded": 0,
            "prefetch": 0,
            "shared": 0,
            "ai": 0,
            "monitor": 0,
            "posing": 0,
            "bot": 2,
            "owner": 0,
        },
        "calls": 2,
        "unique_callers": 1,  # the second call within 30 minutes is a repeat
    }


def test_breakdowns_daily_series_heatmap_and_widget_groups(db):
    report = reports.report(db, START, END)
    assert report.breakdown("click", "placement") == [
        ("chooser-medical", 2, 1),
        ("article-end", 1, 1),
        ("header", 1, 1),
    ]
    assert report.breakdown("view", "referrer_host")[-1] == ("www.google.com", 1, 1)
    assert ("spring", 1, 1) in report.breakdown("view", "utm_campaign")
    # Unique visitors are summed over days: a daily key cannot link two days.
    assert report.breakdown("view", "device") == [("mobile", 4, 4), ("desktop", 2, 1)]
    assert report.breakdown("widget", "widget") == [
        ("aspect:training", 1, 1),
        ("chooser:medical", 1, 1),
    ]
    assert [d["page_views"] for d in report.daily()] == [4, 1, 1]
    assert [d["booking_clicks"] for d in report.daily()] == [2, 2, 0]
    assert [d["calls"] for d in report.daily()] == [0, 2, 0]
    assert [d["unique_callers"] for d in report.daily()] == [0, 1, 0]
    assert report.breakdown("call", "placement") == [
        ("footer", 1, 0),
        ("practice", 1, 1),
    ]
    heatmap = report.heatmap()
    assert heatmap[0][9] == 2  # Monday 17 March, 9 o'clock, local time
    assert heatmap[1][12] == 1 and heatmap[1][13] == 1
    assert sum(map(sum, heatmap)) == 4
    assert report.widget_groups() == {
        "used": {"visitors": 2, "clickers": 1, "click_through_rate": 0.5},
        "not-used": {"visitors": 4, "clickers": 2, "click_through_rate": 0.5},
    }


def test_a_click_without_a_view_takes_no_landing_data(db):
    row = db.execute(
        "SELECT referrer_host, utm_campaign FROM events WHERE placement = 'header'"
    ).fetchone()
    assert tuple(row) == ("", "")


def _everything(report):
    """Every number a report offers, for comparing two reports."""
    dims = [(k, d) for k, ds in rollups.DIMENSIONS.items() for d in ds]
    return (
        report.totals(),
        report.daily(),
        report.heatmap(),
        report.widget_groups(),
        {dim: report.breakdown(*dim) for dim in dims},
    )


def test_rollups_give_exactly_the_numbers_of_the_raw_events(db):
    live = _everything(reports.report(db, START, END))
    assert rollups.ensure_rollups(db, datetime.date(2025, 3, 20)) == 3
    assert db.execute("SELECT count(*) FROM rolled_days").fetchone()[0] == 3
    rolled = _everything(reports.report(db, START, END))
    assert rolled == live
    # Rolling up again changes nothing.
    assert rollups.ensure_rollups(db, datetime.date(2025, 3, 20)) == 0
    assert _everything(reports.report(db, START, END)) == live


def test_rollups_take_finished_days_only(db):
    rollups.ensure_rollups(db, END)
    rolled = [r[0] for r in db.execute("SELECT day FROM rolled_days ORDER BY day")]
    assert rolled == ["2025-03-17", "2025-03-18"]


def test_prune_folds_old_events_and_keeps_every_total(db):
    before = _everything(reports.report(db, START, END))
    deleted = rollups.prune(db, keep_days=1, today=datetime.date(2025, 3, 19))
    assert deleted == 12  # the 17th (7) and the 18th (5); today, the 19th, is kept
    days = {r[0] for r in db.execute("SELECT DISTINCT day FROM events")}
    assert days == {"2025-03-19"}
    assert _everything(reports.report(db, START, END)) == before
    assert rollups.prune(db, keep_days=1, today=datetime.date(2025, 3, 19)) == 0


def test_prune_keeps_the_days_asked_for(db):
    rollups.prune(db, keep_days=2, today=datetime.date(2025, 3, 19))
    days = {r[0] for r in db.execute("SELECT DISTINCT day FROM events")}
    assert days == {"2025-03-18", "2025-03-19"}
    with pytest.raises(ValueError, match="at least 1"):
        rollups.prune(db, keep_days=0, today=datetime.date(2025, 3, 19))


def test_todays_live_summary_keeps_up_with_new_events(db):
    first = reports.report(db, END, END)
    assert first.page_views == 1
    add(db, at(19, 23), "10.0.0.6", VIEW, click("footer"))
    add(db, at(19, 23, 1), "10.0.0.5", VIEW)  # a known visitor: not a new unique
    second = reports.report(db, END, END)
    assert (second.page_views, second.unique_visitors) == (3, 2)
    assert (second.booking_clicks, second.unique_clickers) == (1, 1)
    assert _everything(second) == _everything(_fresh_report(db, END, END))


def _fresh_report(db, start, end):
    """A report computed without the live cache."""
    rollups._live_cache.clear()
    return reports.report(db, start, end)


def test_live_summary_notices_a_replaced_database(tmp_path, db):
    reports.report(db, END, END)
    other_path = tmp_path / "copy.db"
    db.execute("VACUUM INTO ?", [str(other_path)])
    other = connect(str(other_path))
    try:
        other.execute("DELETE FROM events WHERE day = '2025-03-19'")
        add(other, at(19, 8), "10.0.0.9", VIEW, VIEW)
        # Same cache key shape, different file: counts come from this file.
        assert reports.report(other, END, END).page_views == 2
    finally:
        other.conn.close()
    assert reports.report(db, END, END).page_views == 1


def test_empty_database_reports_zeros(database_path):
    db = connect(str(database_path))
    try:
        report = reports.report(db, START, END)
        assert report.page_views == report.booking_clicks == 0
        assert report.click_through_rate is None
        assert reports.first_day(db) is None
        assert len(report.daily()) == 3
    finally:
        db.conn.close()


def test_first_day_and_raw_events_for_export(db):
    assert reports.first_day(db) == START
    exported = list(reports.raw_events(db, START, START))
    assert len(exported) == 7
    assert "visitor" not in exported[0]
    assert exported[0]["referrer_host"] == "www.google.com"
    assert [e["ts"] for e in exported] == sorted(e["ts"] for e in exported)
