"""The dashboard says "up", "down" and "busiest" only as the honesty rules allow."""

import datetime

from webapp.stats import charts, dashboard
from webapp.stats.reports import Report
from webapp.stats.rollups import TOTAL
from webapp.tracking.vocabulary import CLICK, VIEW

from .conftest import record


def report_of(views, visitors, clicks, clickers):
    """A week's report holding only its totals."""
    report = Report(datetime.date(2026, 11, 30), datetime.date(2026, 12, 6))
    report.counts[(VIEW, TOTAL, "")] = (views, visitors)
    report.counts[(CLICK, TOTAL, "")] = (clicks, clickers)
    return report


def by_key(items):
    """Headlines by key."""
    return {h.key: h for h in items}


def test_a_rate_chance_often_makes_reads_about_the_same():
    # 12 of 226 against 15 of 193: the "5.3% (7.8% the week before)".
    now = report_of(300, 226, 14, 12)
    before = report_of(250, 193, 16, 15).totals()
    rate = by_key(dashboard.headlines(now, before, "the week before"))[
        "click_through_rate"
    ]
    assert rate.direction == "same"
    assert rate.change == "about the same as the week before"


def test_a_clear_rise_in_a_rate_is_called_one():
    now = report_of(250, 200, 45, 40)
    before = report_of(250, 200, 17, 15).totals()
    items = by_key(dashboard.headlines(now, before, "the 7 days before"))
    assert items["click_through_rate"].change == "up from 7.5% the 7 days before"
    assert items["unique_clickers"].change == "up from 15 the 7 days before"
    # 250 page views against 250: the same count.
    assert items["page_views"].change == "about the same as the 7 days before"


def test_rates_on_few_people_are_too_few_to_tell():
    now = report_of(40, 30, 6, 5)
    before = report_of(40, 30, 2, 2).totals()
    rate = by_key(dashboard.headlines(now, before))["click_through_rate"]
    assert (rate.direction, rate.change) == ("too-few", "too few to tell yet")


def heat_report(clicks):
    """A report whose booking clicks fall at ``{(weekday, hour): count}``."""
    report = Report(datetime.date(2026, 11, 30), datetime.date(2026, 12, 6))
    report.click_hours.update(clicks)
    return report


def test_one_click_is_no_busiest_time():
    heat = charts.heatmap(heat_report({(0, 8): 1}))
    assert heat["top"] == 1
    assert heat["peak"] == ""


def test_busiest_times_show_their_ties():
    heat = charts.heatmap(heat_report({(0, 8): 4, (2, 19): 4, (4, 12): 3}))
    assert heat["peak"] == (
        "Mondays, 8 am to 9 am and Wednesdays, 7 pm to 8 pm (4 booking clicks each)"
    )


def test_the_chart_names_every_day_tied_for_the_most():
    rows = [{"label": f"Dec {day}"} for day in range(1, 8)]
    values = [1, 2, 3, 3, 3, 0, 0]
    assert (
        charts._peak(rows, values, "day") == "most on Dec 3, Dec 4 and Dec 5 (3 each)"
    )
    assert charts._peak(rows, [1, 0, 0, 0, 0, 0, 0], "day") == ""


def test_the_page_shows_the_honest_words(app, owner_client):
    for n in range(3):
        record(
            app,
            [{"kind": VIEW}, {"kind": CLICK, "placement": "footer"}],
            f"203.0.113.{n}",
        )
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert "too few to tell yet" in html
    assert "Busiest:" not in html
    assert "too few to name a busiest time" in html


def test_the_json_carries_each_headlines_verdict(app, owner_client):
    record(app, [{"kind": VIEW}], "203.0.113.1")
    data = owner_client.get("/stats.json?period=7d").get_json()
    assert data["changes"] == {
        "page_views": "same",
        "unique_visitors": "same",
        "booking_clicks": "same",
        "unique_clickers": "same",
        "click_through_rate": "too-few",
        "calls": "same",
    }
    assert data["answer"] == "Import your bookings to see what the article brings in."
