"""What the article earned: website bookings' value and the first sentence.

Bookings go into the database as a confirmed import leaves them; every sum
the tests expect is added up by hand from the prices written here.
"""

import datetime

from webapp.bookings.summary import summarise
from webapp.core.db import connect
from webapp.core.settings import DEFAULTS
from webapp.stats.earnings import answer_sentence

from .conftest import make_app
from .test_click_to_client import add_batch

NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
CONFIG = {**DEFAULTS, "DIRECTORY_FEE_PERCENT": 15, "DIRECTORY_FEE_MIN": 6}


def booking(day, price=None, **fields):
    """A kept website booking on ``day`` (booked and held then), ``price`` cents."""
    return {"day": day, "price_cents": price, **fields}


def summary_of(database_path, bookings, today=NOV_30):
    """November's summary after importing ``bookings``."""
    if bookings:
        add_batch(database_path, bookings)
    db = connect(str(database_path))
    try:
        return summarise(db, NOV_1, NOV_30, CONFIG, today=today)
    finally:
        db.conn.close()


def test_value_is_the_sum_of_kept_website_prices_completed_and_upcoming_apart(
    database_path,
):
    summary = summary_of(
        database_path,
        [
            booking("2026-11-03", 9000, new_client=1),
            booking("2026-11-10", 12000, new_client=1),
            # Booked in November for December: upcoming, still counted in November.
            booking("2026-11-20", 12000, appointment="2026-12-04T10:00"),
            # Not the website's, not kept, not priced: none adds to the value.
            booking("2026-11-11", 7000, channel="directory"),
            booking("2026-11-12", 8000, status="cancelled"),
            booking("2026-11-13", 8000, status="pending"),
            booking("2026-11-14"),
        ],
    )
    assert summary.website_bookings == 4  # 3 priced + 1 without a price
    assert summary.website_priced == 3
    assert summary.website_completed_cents == 9000 + 12000
    assert summary.website_upcoming_cents == 12000
    assert summary.website_value_cents == 33000
    # 15% of $90 is $13.50 and of $120 is $18: $31.50 for the two new clients.
    assert summary.fees_avoided_cents == 1350 + 1800


def test_the_sentence_states_value_new_clients_and_fees(database_path):
    summary = summary_of(
        database_path,
        [
            booking("2026-11-03", 9000, new_client=1),
            booking("2026-11-10", 12000, new_client=1),
            booking("2026-11-17", 12000),
        ],
    )
    assert answer_sentence(summary, "This month", "USD") == (
        "This month: 3 bookings through your website (2 new clients), worth $330; "
        "the 2 new clients through the directory would have cost about $32 in fees."
    )


def test_the_sentence_says_what_is_still_to_come(database_path):
    summary = summary_of(
        database_path,
        [
            booking("2026-11-03", 9000, new_client=1),
            booking("2026-11-20", 12000, new_client=1, appointment="2026-12-04"),
        ],
    )
    assert answer_sentence(summary, "Last month", "USD") == (
        "Last month: 2 bookings through your website (2 new clients), worth $210 "
        "($120 of it still to come); the same clients through the directory would "
        "have cost about $32 in fees."
    )


def test_before_any_import_the_sentence_asks_for_one(database_path):
    summary = summary_of(database_path, [])
    # The site's one article: the words name it ("your articles" with several).
    with make_app(database_path).app_context():
        assert answer_sentence(summary, "This month", "USD") == (
            "Import your bookings to see what the article brings in."
        )


def test_a_period_without_website_bookings_says_so(database_path):
    summary = summary_of(database_path, [booking("2026-10-03", 9000)])
    assert answer_sentence(summary, "This month", "USD") == (
        "This month: no bookings through your website."
    )


def test_without_prices_the_sentence_says_no_value_and_no_fees(database_path):
    summary = summary_of(database_path, [booking("2026-11-03", new_client=1)])
    assert answer_sentence(summary, "Last 7 days", "USD") == (
        "Last 7 days: 1 booking through your website (1 new client), "
        "with no prices in your import."
    )


def test_some_prices_missing_the_value_says_for_how_many(database_path):
    summary = summary_of(
        database_path, [booking("2026-11-03", 9050), booking("2026-11-04")]
    )
    assert answer_sentence(summary, "This month", "EUR") == (
        "This month: 2 bookings through your website, worth €90.50 for the 1 "
        "with a price."
    )


def test_bookings_without_a_booked_on_day_wait_for_their_appointment(database_path):
    # No "booked on" day: each counts on its appointment day. Two fall after
    # the period and after today, so they show as coming, not in the month.
    summary = summary_of(
        database_path,
        [
            booking("2026-11-05", 9000, booked_on=""),
            booking("2026-12-02", 9000, booked_on=""),
            booking("2026-12-09", 9000, booked_on="", channel="directory"),
            # Booked on a known day after the period: not "coming", just later.
            booking("2026-12-03", 9000),
            booking("2026-12-10", 9000, booked_on="", status="cancelled"),
        ],
    )
    assert summary.website_bookings == 1
    assert summary.on_appointment_day == 1
    assert (summary.coming_later, summary.coming_later_website) == (2, 1)
    assert answer_sentence(summary, "This month", "USD") == (
        "This month: 1 booking through your website, worth $90. "
        "2 more booked for the coming weeks."
    )


def test_days_between_the_period_and_today_are_not_coming(database_path):
    summary = summary_of(
        database_path,
        [
            booking("2026-12-02", 9000, booked_on=""),
            booking("2026-12-09", booked_on=""),
        ],
        today=datetime.date(2026, 12, 5),
    )
    assert summary.coming_later == 1
