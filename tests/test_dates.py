"""Dates read the practice's way (FLASK_LOCALE, read with Babel)."""

import datetime

import pytest

from webapp import ConfigError, create_app
from webapp.core.checks import check_locale
from webapp.core.formatting import clock, long_date, money, parse_locale, short_date
from webapp.site.privacy import load_privacy
from webapp.stats.charts import short_date as chart_date

from .servers import production_env
from .test_checks import error_lines, flask

MARCH_18 = datetime.date(2025, 3, 18)


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
