"""From click to client: imported bookings beside the clicks, in agreement everywhere.

Bookings are put in the database directly (a confirmed import batch and its
rows), as the importer would leave them; clicks go through the tracking module.
"""

import datetime
import json
import re
from html import unescape

import pytest

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect
from webapp.tracking.vocabulary import CLICK, VIEW

from .conftest import HOSTILE_STRINGS
from .test_dashboard import csv_rows, record

SOURCE_LINE = (
    "MassageBook charges 15%, at least $6, per new client from its directory; "
    "none for bookings through your own site."
)


def add_batch(database_path, bookings, confirmed=True):
    """One import batch with its bookings; ``confirmed`` False: still in preview."""
    db = connect(str(database_path))
    try:
        batch = (
            db["import_batches"]
            .insert(
                {
                    "imported_at": "2026-11-30T10:00:00+00:00",
                    "confirmed_at": "2026-11-30T10:01:00+00:00" if confirmed else "",
                    "file_name": "appointments.csv",
                    "rows_read": len(bookings),
                    "kept": len(bookings),
                    "duplicates": 0,
                }
            )
            .last_pk
        )
        for n, booking in enumerate(bookings):
            row = {
                "batch": batch,
                "fingerprint": f"{batch}-{n}",
                "booked_on": booking["day"],
                "appointment": booking["day"] + " 10:00",
                "service": "Swedish massage, 60 min",
                "price_cents": None,
                "status": "completed",
                "channel": "website",
                "new_client": 0,
                **booking,
            }
            db["bookings"].insert(row)
    finally:
        db.conn.close()


def ago(app, days):
    """The ISO day ``days`` before today (the practice's today)."""
    return (
        calendar.today(practice_zone(app)) - datetime.timedelta(days=days)
    ).isoformat()


def clickers(app, count):
    """``count`` readers who each view and click once today."""
    for n in range(count):
        record(
            app,
            [{"kind": VIEW}, {"kind": CLICK, "placement": "header"}],
            f"198.51.100.{n + 1}",
        )


@pytest.fixture
def bookings(app, database_path):
    """A week of bookings whose numbers are known by construction.

    Kept in the last 7 days: 3 through the website (new at $30, new at $100,
    returning at $90), 1 new from the directory, 1 by phone. Cancelled: 1
    (website, new); no-show: 1. Pending (not confirmed by the platform, never
    kept): 2 new website clients at $200. Outside: one 20 days ago, and a
    batch still in its preview (never counted). 4 unique booking clickers today.
    """
    add_batch(
        database_path,
        [
            {
                "day": ago(app, 1),
                "channel": "website",
                "new_client": 1,
                "price_cents": 3000,
            },
            {
                "day": ago(app, 1),
                "channel": "website",
                "new_client": 1,
                "price_cents": 10000,
                "service": HOSTILE_STRINGS[2],
            },
            {
                "day": ago(app, 2),
                "channel": "website",
                "price_cents": 9000,
                "service": HOSTILE_STRINGS[1],
            },
            {
                "day": ago(app, 3),
                "channel": "directory",
                "new_client": 1,
                "price_cents": 9000,
            },
            {"day": ago(app, 3), "channel": "staff", "status": "upcoming"},
            {
                "day": ago(app, 4),
                "status": "cancelled",
                "new_client": 1,
                "price_cents": 9000,
            },
            {"day": ago(app, 4), "status": "no-show", "channel": "directory"},
            {"day": ago(app, 20), "new_client": 1, "price_cents": 9000},
            *[
                {
                    "day": ago(app, 2),
                    "status": "pending",
                    "new_client": 1,
                    "price_cents": 20000,
                }
            ]
            * 2,
        ],
    )
    add_batch(
        database_path,
        [{"day": ago(app, 1), "new_client": 1, "price_cents": 20000}],
        confirmed=False,
    )
    clickers(app, 4)


def panel_numbers(html):
    """The panel's four numbers, by label."""
    return {
        label: int(value.replace(",", ""))
        for label, value in re.findall(
            r'<dt class="dash-clients__label">([^<]+)</dt>'
            r'<dd class="dash-clients__value">([^<]+)</dd>',
            html,
        )
    }


def panel(html):
    """The panel's HTML alone."""
    start = html.index('<section class="dash-card dash-clients"')
    return html[start : html.index("</section>", start)]


EXPECTED = {"bookings": 5, "website_bookings": 3, "new_clients": 3, "cancelled": 2}


def test_the_panel_shows_bookings_beside_the_clicks(owner_client, bookings):
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert panel_numbers(html) == {
        "Kept bookings (completed or upcoming)": 5,
        "Booked through your website": 3,
        "New clients": 3,
        "Cancelled or no-show": 2,
    }
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", panel(html))).split())
    # Website bookings / unique clickers, said to be an upper bound, flagged small.
    assert "Estimated conversion: at most 75.0%" in text
    assert "3 website bookings ÷ 4 people who pressed a booking button" in text
    assert "An upper bound: other buttons on your site also lead to bookings." in text
    assert "Fewer than 30 people pressed a booking button: too few to judge" in text
    # $30 + $100 + $90 kept through the website, every appointment held by today.
    assert "Website bookings with a price: $220 completed." in text
    # $30 -> the $6 minimum; $100 -> 15% = $15. Returning and directory: none.
    answer = re.search(r'<p class="dash-answer"[^>]*>([^<]*)</p>', html).group(1)
    assert unescape(answer) == (
        "Last 7 days: 3 bookings through your website (2 new clients), worth $220; "
        "the 2 new clients through the directory would have cost about $21 in fees."
    )
    assert "Directory fees avoided" not in html
    assert SOURCE_LINE in text
    # Pending bookings are said apart, and counted in none of the numbers.
    assert (
        "2 more bookings waiting for your booking platform’s confirmation: "
        "not counted until confirmed." in text
    )
    assert (
        "How the bookings kept were made: Your website 3, "
        "A directory or marketplace 1, Phone, staff or walk-in 1." in text
    )


def test_the_weekly_table_puts_clickers_beside_website_bookings(
    owner_client, bookings, app
):
    html = panel(owner_client.get("/stats?period=7d").get_data(as_text=True))
    rows = re.findall(
        r'<tr>\s*<th scope="row"><time datetime="([\d-]+)">[^<]*</time></th>\s*'
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*'
        r'<td class="num">(\d+)</td>',
        html,
    )
    assert rows, html
    assert sum(int(r[1]) for r in rows) == 4
    assert sum(int(r[2]) for r in rows) == 3
    assert sum(int(r[3]) for r in rows) == 5
    today = calendar.today(practice_zone(app))
    assert (
        rows[-1][0]
        == max(
            today - datetime.timedelta(days=today.weekday()),
            today - datetime.timedelta(days=6),
        ).isoformat()
    )


def test_dashboard_cli_json_and_csv_agree(owner_client, runner, bookings):
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    shown = panel_numbers(html)

    result = runner.invoke(args=["stats", "--json", "--days", "7"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    page_json = owner_client.get("/stats.json?period=7d").get_json()
    totals = page_json["totals"]
    for key, value in EXPECTED.items():
        assert cli[key] == totals[key] == value
    assert cli == totals
    assert list(shown.values()) == [EXPECTED[k] for k in EXPECTED]

    detail = page_json["click_to_client"]
    assert detail["fees_avoided_cents"] == 600 + 1500
    assert detail["website_new_clients"] == 2
    assert detail["unique_clickers"] == 4
    assert detail["conversion_upper_bound"] == 0.75
    assert detail["too_few_to_judge"] is True
    assert detail["pending"] == 2
    assert detail["by_channel"] == {
        "website": 3,
        "directory": 1,
        "google": 0,
        "social": 0,
        "staff": 1,
        "other": 0,
    }
    assert sum(w["website_bookings"] for w in detail["weeks"]) == 3

    rows = csv_rows(owner_client.get("/stats/bookings.csv?period=7d"))
    header, body = rows[0], rows[1:]
    assert header == [
        "day",
        "booked_on",
        "appointment",
        "service",
        "price",
        "status",
        "channel",
        "new_client",
    ]
    kept = [r for r in body if r[5] in ("completed", "confirmed", "upcoming")]
    # The unconfirmed batch and the older booking are not here; pending
    # bookings are, with their status.
    assert len(body) == 9
    assert len(kept) == EXPECTED["bookings"]
    assert sum(r[6] == "Your website" for r in kept) == EXPECTED["website_bookings"]
    assert sum(r[7] == "yes" for r in kept) == EXPECTED["new_clients"]
    assert sum(r[5] in ("cancelled", "no-show") for r in body) == EXPECTED["cancelled"]
    assert sum(r[5] == "pending" for r in body) == 2


def test_the_bookings_csv_is_formula_safe_and_holds_no_client(owner_client, bookings):
    response = owner_client.get("/stats/bookings.csv?period=7d")
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="bookings-'
    )
    rows = csv_rows(response)
    services = {r[3] for r in rows[1:]}
    assert "'" + HOSTILE_STRINGS[2] in services
    assert HOSTILE_STRINGS[1] in services  # not a formula: kept as it is
    # Only the channel, in the owner's words: no source text is stored.
    assert {r[6] for r in rows[1:]} == {
        "Your website",
        "A directory or marketplace",
        "Phone, staff or walk-in",
    }
    prices = sorted(r[4] for r in rows[1:])
    assert prices == [
        "",
        "",
        "100.00",
        "200.00",
        "200.00",
        "30.00",
        "90.00",
        "90.00",
        "90.00",
    ]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    assert "/stats/bookings.csv?period=7d" in owner_client.get(
        "/stats?period=7d"
    ).get_data(as_text=True)


def test_hostile_sources_and_services_stay_text_on_the_dashboard(
    owner_client, bookings
):
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<svg onload" not in html


def test_the_terminal_gives_a_bookings_line(runner, bookings):
    result = runner.invoke(args=["stats", "--days", "7"])
    assert result.exit_code == 0, result.output
    # The label's words are the command's (its own tests pin them): the numbers.
    assert re.search(
        r"\s5  \(.*3 through your website, 3 new clients.*2 (more )?cancelled or "
        r"no-show\)",
        result.output,
    )


def test_without_imports_one_line_invites_an_import(owner_client, runner, app):
    clickers(app, 2)
    html = owner_client.get("/stats").get_data(as_text=True)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", panel(html))).split())
    assert "Import the bookings file from your booking platform" in text
    assert "Import your bookings to see what the article brings in." in html
    assert "Estimated conversion" not in text
    assert "Directory fees" not in html
    assert "/stats/bookings.csv" not in html
    if "bookings.upload" in app.view_functions:
        with app.test_request_context():
            from flask import url_for

            assert f'href="{url_for("bookings.upload")}"' in panel(html)
    result = runner.invoke(args=["stats"])
    assert "Bookings kept" not in result.output
    assert json.loads(runner.invoke(args=["stats", "--json"]).output)["bookings"] == 0


def test_an_unconfirmed_batch_counts_nowhere(owner_client, app, database_path):
    add_batch(
        database_path,
        [{"day": ago(app, 1), "new_client": 1, "price_cents": 9000}],
        confirmed=False,
    )
    clickers(app, 1)
    html = owner_client.get("/stats").get_data(as_text=True)
    assert "Import the bookings file from your booking platform" in html
    assert owner_client.get("/stats.json").get_json()["totals"]["bookings"] == 0
    assert csv_rows(owner_client.get("/stats/bookings.csv"))[1:] == []


def test_nothing_about_fees_without_prices(owner_client, app, database_path):
    add_batch(
        database_path,
        [
            {"day": ago(app, 1), "new_client": 1},
            {"day": ago(app, 2), "new_client": 1, "channel": "google"},
        ],
    )
    clickers(app, 1)
    html = owner_client.get("/stats").get_data(as_text=True)
    assert panel_numbers(html)["Booked through your website"] == 1
    assert "with no prices in your import" in html
    assert "in fees" not in html
    assert "charges 15%" not in html
    data = owner_client.get("/stats.json").get_json()["click_to_client"]
    assert data["fees_avoided_cents"] is None


def test_no_clicks_means_no_conversion_to_estimate(owner_client, app, database_path):
    add_batch(database_path, [{"day": ago(app, 1)}])
    record(app, [{"kind": VIEW}], "198.51.100.1")
    text = unescape(panel(owner_client.get("/stats").get_data(as_text=True)))
    assert "No booking clicks in this period, so no conversion to estimate." in text
    assert "at most" not in text


@pytest.mark.parametrize(
    ("percent", "minimum", "price", "fee"),
    [(15, 6, 3000, "$6"), (15, 6, 10000, "$15"), (12.5, 5, 9000, "$11")],
)
def test_fees_follow_the_settings(
    app, database_path, owner_client, percent, minimum, price, fee
):
    app.config.update(
        DIRECTORY_FEE_PERCENT=percent,
        DIRECTORY_FEE_MIN=minimum,
        BOOKING_PLATFORM="Vagaro",
    )
    add_batch(
        database_path, [{"day": ago(app, 1), "new_client": 1, "price_cents": price}]
    )
    clickers(app, 1)
    html = unescape(owner_client.get("/stats").get_data(as_text=True))
    assert f"would have cost about {fee} in fees." in html
    text = unescape(panel(html))
    assert f"Vagaro charges {percent}%, at least ${minimum}, per new client" in text


def test_more_website_bookings_than_clickers_gives_no_estimate(
    owner_client, app, database_path
):
    clickers(app, 2)
    add_batch(database_path, [{"day": ago(app, 1)} for _ in range(5)])
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", panel(html))).split())
    assert (
        "More website bookings than people who pressed a booking button: no estimate"
        in text
    )
    assert "5 website bookings, 2 people who pressed a booking button" in text
    assert "at most" not in text
    assert "250" not in text and "%" not in text
    detail = owner_client.get("/stats.json?period=7d").get_json()["click_to_client"]
    assert detail["conversion_upper_bound"] is None
    assert detail["more_bookings_than_clickers"] is True
    assert (detail["website_bookings"], detail["unique_clickers"]) == (5, 2)


def test_as_many_website_bookings_as_clickers_is_still_an_estimate(
    owner_client, app, database_path
):
    clickers(app, 2)
    add_batch(database_path, [{"day": ago(app, 1)} for _ in range(2)])
    detail = owner_client.get("/stats.json?period=7d").get_json()["click_to_client"]
    assert detail["conversion_upper_bound"] == 1.0
    assert detail["more_bookings_than_clickers"] is False


def test_demo_data_brings_bookings_by_channel_beside_its_clicks(
    runner, owner_client, database_path
):
    result = runner.invoke(
        args=["seed-demo", "--events", "3000", "--days", "30", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    db = connect(str(database_path))
    try:
        stored = dict(
            db.execute("select channel, count(*) from bookings group by channel")
        )
    finally:
        db.conn.close()
    # Channels only, as an import stores them; the website's grow with clicks.
    assert set(stored) <= {"website", "directory", "google", "social", "staff", "other"}
    assert stored["website"] > 0 and len(stored) >= 4
    detail = owner_client.get("/stats.json?period=30d").get_json()["click_to_client"]
    assert detail["any_imported"] is True
    assert 0 < detail["website_bookings"] <= detail["unique_clickers"]
    assert sum(detail["by_channel"].values()) == detail["bookings"]
