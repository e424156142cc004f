"""Period parsing for the owner's dashboard, and CSV cells that stay inert."""

import csv
import datetime
import io

import pytest

from webapp.core.calendar import DayError
from webapp.stats.export import csv_response, csv_safe
from webapp.stats.periods import parse_period

TODAY = datetime.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("args", "start", "days"),
    [
        ({}, datetime.date(2026, 11, 22), 7),
        ({"period": "today"}, TODAY, 1),
        ({"period": "30d"}, datetime.date(2026, 10, 30), 30),
        ({"period": "90d"}, datetime.date(2026, 8, 31), 90),
        ({"from": "2026-01-01", "to": "2026-01-31"}, datetime.date(2026, 1, 1), 31),
    ],
)
def test_presets_and_ranges(args, start, days):
    period = parse_period(args, TODAY)
    assert period.start == start
    assert period.days == days


@pytest.mark.parametrize(
    ("today", "key", "start", "end", "label"),
    [
        (TODAY, "month", datetime.date(2026, 11, 1), TODAY, "This month"),
        (
            TODAY,
            "last-month",
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 31),
            "Last month",
        ),
        # January's last month is December of the year before.
        (
            datetime.date(2027, 1, 1),
            "last-month",
            datetime.date(2026, 12, 1),
            datetime.date(2026, 12, 31),
            "Last month",
        ),
        (
            datetime.date(2027, 3, 15),
            "last-month",
            datetime.date(2027, 2, 1),
            datetime.date(2027, 2, 28),
            "Last month",
        ),
        # The first of the month: this month is that one day.
        (datetime.date(2027, 3, 1), "month", datetime.date(2027, 3, 1), None, None),
    ],
)
def test_calendar_months(today, key, start, end, label):
    period = parse_period({"period": key}, today)
    assert (period.start, period.end) == (start, end or today)
    assert period.query_args() == {"period": key}
    if label:
        assert period.label == label


@pytest.mark.parametrize(
    ("args", "dates"),
    [
        ({"period": "month"}, "Nov 1\u2009–\u200928, 2026"),
        ({"period": "last-month"}, "Oct 1\u2009–\u200931, 2026"),
        ({"period": "today"}, "Nov 28, 2026"),
        (
            {"from": "2025-11-07", "to": "2026-01-06"},
            "Nov 7, 2025\u2009–\u2009Jan 6, 2026",
        ),
    ],
)
def test_periods_read_in_the_locale(args, dates):
    period = parse_period(args, TODAY)
    assert period.dates == dates
    if "from" in args:
        assert period.label == dates


def test_all_time_starts_on_the_first_day_with_data():
    period = parse_period(
        {"period": "all"}, TODAY, first_day=datetime.date(2025, 3, 18)
    )
    assert period.start == datetime.date(2025, 3, 18)
    assert period.end == TODAY


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    period = parse_period({"period": "7d"}, TODAY)
    previous = period.previous()
    assert previous.days == 7
    assert previous.end == period.start - datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"period": "fortnight"}, "Choose one of the periods"),
        ({"from": "2026-01-01"}, "both"),
        ({"from": "yesterday", "to": "2026-01-02"}, "“from” must be a date"),
        ({"from": "2026-01-01", "to": "2026-13-01"}, "“to” must be a date"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "must not be after"),
        (
            {"from": "2026-11-01", "to": "2026-12-01"},
            "“to” must be between .* and 2026-11-28",
        ),
        (
            {"from": "1900-01-01", "to": "2026-01-01"},
            "“from” must be between 2020-01-01",
        ),
        ({"from": "\x00", "to": "2026-01-01"}, "must be a date"),
    ],
)
def test_bad_periods_get_a_clear_message(args, message):
    with pytest.raises(DayError, match=message):
        parse_period(args, TODAY)


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_formula_cells_are_neutralised(value):
    assert csv_safe(value).startswith("'")


def test_plain_cells_and_numbers_are_kept():
    assert csv_safe("example.com") == "example.com"
    assert csv_safe(-3) == -3
    assert csv_safe(None) == ""


def test_csv_download_opens_in_a_spreadsheet(app):
    with app.test_request_context():
        response = csv_response(["day", "ref"], [["2026-11-28", "=cmd"]], "x.csv")
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [["day", "ref"], ["2026-11-28", "'=cmd"]]
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
