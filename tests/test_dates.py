"""Dates read the practice's way (FLASK_LOCALE, read with Babel)."""

import datetime

import pytest

from webapp import ConfigError, create_app
from webapp.core.calendar import EARLIEST, DayError, Week, parse_day
from webapp.core.checks import check_locale
from webapp.core.formatting import clock, long_date, money, parse_locale, short_date
from webapp.site.privacy import load_privacy
from webapp.stats.charts import short_date as chart_date

from .servers import production_env
from .test_checks import error_lines, flask

MARCH_18 = datetime.date(2025, 3, 18)
LATEST = datetime.date(2026, 12, 7)
ONE_DAY = datetime.timedelta(days=1)


def site(database_path, **config):
    """A test app with these settings."""
    return create_app({"TESTING": True, "DATABASE": str(database_path), **config})


def test_the_default_locale_is_american(database_path):
    app = site(database_path)
    assert app.config["LOCALE"] == "en_US"
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<time datetime="2025-03-18">March 18, 2025</time>' in html


def test_a_british_practice_writes_the_day_first(database_path):
    html = site(database_path, LOCALE="en_GB").test_client().get("/")
    assert '<time datetime="2025-03-18">18 March 2025</time>' in html.get_data(
        as_text=True
    )


def test_the_privacy_page_date_follows_the_locale(database_path):
    app = site(database_path)
    updated = load_privacy(app.config).updated
    month = updated.strftime("%B")
    html = app.test_client().get("/privacy").get_data(as_text=True)
    american = f"{month} {updated.day}, {updated.year}"
    assert f'<time datetime="{updated.isoformat()}">{american}</time>' in html
    british = site(database_path, LOCALE="en_GB").test_client().get("/privacy")
    day_first = f"{updated.day} {month} {updated.year}"
    assert f">{day_first}</time>" in british.get_data(as_text=True)


def test_formats_by_locale():
    us, gb = parse_locale("en_US"), parse_locale("en-GB")
    assert long_date(MARCH_18, us) == "March 18, 2025"
    assert long_date(MARCH_18, gb) == "18 March 2025"
    assert short_date(MARCH_18, locale=us) == "Mar 18"
    assert short_date(MARCH_18, locale=gb) == "18 Mar"
    assert short_date(MARCH_18, with_year=True, locale=us) == "Mar 18, 2025"
    assert clock(datetime.time(18, 30), us) == "6:30\u202fPM"
    assert clock(datetime.time(18, 30), gb) == "18:30"
    assert money(90, "USD", us) == "$90"
    assert money("92.5", "USD", us) == "$92.50"


def test_dashboard_dates_follow_the_locale(database_path):
    with site(database_path, LOCALE="en_GB").app_context():
        assert chart_date(MARCH_18) == "18 Mar"
    with site(database_path).app_context():
        assert chart_date(MARCH_18, with_year=True) == "Mar 18, 2025"


@pytest.mark.parametrize("value", ["klingon", "en_XX", "", "../en", 42])
def test_a_bad_locale_stops_start_up_with_one_clear_line(database_path, value):
    with pytest.raises(ConfigError) as raised:
        site(database_path, LOCALE=value)
    message = str(raised.value)
    assert message.startswith("FLASK_LOCALE must be a locale name such as en_US")
    assert repr(value) in message
    assert "\n" not in message


def test_the_locale_check_shows_how_dates_will_read():
    result = check_locale({"LOCALE": "en_GB"})
    assert result.ok
    assert result.detail == "en_GB (dates read like 18 March 2025)"


def test_check_command_reports_a_bad_locale(database_path, tmp_path):
    env = production_env(database_path, FLASK_LOCALE="english")
    result = flask(["check"], env, cwd=tmp_path)
    assert result.returncode == 1
    assert error_lines(result) == [
        "error: FLASK_LOCALE must be a locale name such as en_US (dates like "
        "March 18, 2025) or en_GB (18 March 2025), not 'english'"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Choose the day (a date like 2025-03-18)."),
        ("20250318", "The day must be a date like 2025-03-18."),
        ("2025-W12-2", "The day must be a date like 2025-03-18."),
        ("2025-02-30", "The day must be a date like 2025-03-18."),
        ("<b>2025-03-18", "The day must be a date like 2025-03-18."),
        ("2019-12-31", "The day must be between 2020-01-01 and 2026-12-07:"),
        ("2026-12-08", "The day must be between 2020-01-01 and 2026-12-07:"),
    ],
)
def test_every_typed_day_is_read_one_way_with_one_wording(typed, message):
    with pytest.raises(DayError) as raised:
        parse_day(typed, LATEST)
    assert str(raised.value).startswith(message)
    assert parse_day(" 2025-03-18 ", LATEST) == MARCH_18
    assert parse_day(EARLIEST.isoformat(), LATEST) == EARLIEST


def test_a_week_runs_monday_to_sunday(database_path):
    week = Week.containing("2026-12-06")  # a Sunday
    assert (week.start, week.end) == (datetime.date(2026, 11, 30), LATEST - ONE_DAY)
    assert Week.containing(week.start) == Week.containing(week.end) == week
    assert week.previous().end == week.start - ONE_DAY
    assert week.next().start == LATEST
    with site(database_path).app_context():
        assert week.previous().label == "Nov 23\u2009–\u200929"
    with site(database_path, LOCALE="en_GB").app_context():
        assert week.label == "30 Nov\u2009–\u20096 Dec"
