"""The bookings settings in `flask check`, and fee settings that cannot be read.

A bad value never stops start-up (only the owner's booking numbers suffer);
`flask check` names it in one line, and an unreadable directory fee leaves the
fees avoided out instead of failing the dashboard or the weekly letter.
"""

import datetime
import json

import pytest

from webapp.bookings.checks import check_bookings
from webapp.bookings.summary import fee_avoided_cents
from webapp.core.settings import DEFAULTS

from .conftest import OWNER_PASSWORD, log_in, make_app, store_owner_password
from .test_digest import add_bookings_and_notes, add_traffic, last_monday


def test_the_default_bookings_settings_pass(app):
    result = check_bookings(app.config)
    assert result.ok, result.problem
    # The currency is the practice's own, from its content file.
    assert "MDY" in result.detail and "USD" in result.detail and "15%" in result.detail


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"DIRECTORY_FEE_MIN": "$6"}, "FLASK_DIRECTORY_FEE_MIN must be a plain amount"),
        ({"DIRECTORY_FEE_MIN": "-6"}, "FLASK_DIRECTORY_FEE_MIN must be"),
        ({"DIRECTORY_FEE_PERCENT": "15%"}, "FLASK_DIRECTORY_FEE_PERCENT must be"),
        ({"DIRECTORY_FEE_PERCENT": "NaN"}, "FLASK_DIRECTORY_FEE_PERCENT must be"),
        ({"DIRECTORY_FEE_PERCENT": "150"}, "from 0 to 100"),
        ({"DIRECTORY_FEE_PERCENT": "1e999"}, "FLASK_DIRECTORY_FEE_PERCENT must be"),
        ({"DATE_ORDER": "YMD"}, "FLASK_DATE_ORDER must be MDY"),
        ({"DATE_ORDER": ""}, "FLASK_DATE_ORDER must be MDY"),
        # A directory word that reads as another channel would do nothing.
        (
            {"BOOKING_DIRECTORY_WORDS": "yelp, website listing"},
            "FLASK_BOOKING_DIRECTORY_WORDS has 'website listing', which is read "
            "as “Your website”: bookings with it would not count as “A directory",
        ),
        (
            {"BOOKING_DIRECTORY_WORDS": "yelp, instagram"},
            "has 'instagram', which is read as “Social media”",
        ),
    ],
)
def test_a_bad_bookings_setting_is_reported_in_one_line(change, words):
    result = check_bookings({**DEFAULTS, **change})
    assert not result.ok
    assert words in result.problem
    assert "\n" not in result.problem


def test_source_words_that_take_effect_pass(app):
    # Empty lists leave the built-in words; a website word always wins, and a
    # directory word of the owner's own is read as a directory.
    for change in (
        {"BOOKING_WEBSITE_WORDS": " , ", "BOOKING_DIRECTORY_WORDS": ""},
        {"BOOKING_WEBSITE_WORDS": "website, vagaro"},
        {"BOOKING_DIRECTORY_WORDS": "yelp, massage finder"},
    ):
        result = check_bookings({**app.config, **change})
        assert result.ok, result.problem


def test_settings_as_the_environment_gives_them_pass():
    as_env = {
        **DEFAULTS,
        "DATE_ORDER": "dmy",
        "CURRENCY": "EUR",
        "DIRECTORY_FEE_PERCENT": "12.5",
        "DIRECTORY_FEE_MIN": "6.50",
    }
    result = check_bookings(as_env)
    assert result.ok, result.problem
    assert "DMY" in result.detail and "12.5%" in result.detail


def test_an_unreadable_fee_setting_gives_no_estimate_rather_than_an_error():
    assert fee_avoided_cents(9000, DEFAULTS) == 1350
    assert fee_avoided_cents(1000, DEFAULTS) == 600
    assert fee_avoided_cents(9000, {**DEFAULTS, "DIRECTORY_FEE_MIN": "$6"}) is None
    bad_percent = {**DEFAULTS, "DIRECTORY_FEE_PERCENT": "15%"}
    assert fee_avoided_cents(9000, bad_percent) is None


def bad_fee_app(database_path, **settings):
    """The app in testing mode with readers, bookings imported and ``settings``."""
    app = make_app(database_path, **settings)
    # A reader counted: the dashboard is past its first-day checklist.
    add_traffic(app, last_monday(app), views=3, clickers=1)
    add_bookings_and_notes(app, last_monday(app))
    return app


def test_flask_check_names_a_bad_fee_setting_in_one_line(database_path):
    app = bad_fee_app(database_path, DIRECTORY_FEE_MIN="$6")  # start-up goes on
    with app.app_context():  # as the `flask` command gives it
        result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "error:" in line]
    assert errors == [
        "error: FLASK_DIRECTORY_FEE_MIN must be a plain amount without a currency "
        "sign (6 or 6.50), not '$6': the fees avoided are left out until then"
    ]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "settings", [{"DIRECTORY_FEE_MIN": "$6"}, {"DIRECTORY_FEE_PERCENT": "15%"}]
)
def test_a_bad_fee_setting_never_breaks_the_dashboard_or_the_letter(
    database_path, settings
):
    app = bad_fee_app(database_path, **settings)
    monday = last_monday(app)
    runner = app.test_cli_runner()
    letter = runner.invoke(args=["digest"])
    assert letter.exit_code == 0, letter.output
    assert "3 bookings" in letter.output
    assert "directory fees avoided" not in letter.output
    stats = runner.invoke(args=["stats", "--json", "--days", "14"])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)
    store_owner_password(database_path)
    client = app.test_client()
    assert log_in(client, OWNER_PASSWORD).status_code == 302
    sunday = monday + datetime.timedelta(days=6)
    query = f"from={monday.isoformat()}&to={sunday.isoformat()}"
    for path in (
        f"/stats?{query}",
        f"/stats.json?{query}",
        f"/stats/digest?week={monday.isoformat()}",
        f"/stats/digest/letter.html?week={monday.isoformat()}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Traceback" not in response.get_data(as_text=True)
    page = client.get(f"/stats?{query}").get_data(as_text=True)
    assert "From click to client" in page
