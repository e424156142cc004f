"""The owner's dashboard, its fragment, CSV and JSON: private, right, in agreement."""

import csv
import datetime
import io
import json
import re
from html import unescape

import pytest

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect
from webapp.stats import dashboard, reports, rollups
from webapp.tracking.vocabulary import CALL, CLICK, VIEW, WIDGET

from .conftest import (
    DESKTOP,
    GOOGLEBOT,
    HOSTILE_STRINGS,
    PHONE,
    READER_ENVIRON,
    WHATSAPP,
    headlines,
    log_in,
    record,
)
from .test_calls import BEACON

HEADLINES = {
    "Page views": "page_views",
    "Unique visitors": "unique_visitors",
    "Booking clicks": "booking_clicks",
    "People who pressed a booking button": "unique_clickers",
    "Calls": "calls",
}

STATS_URLS = [
    "/stats",
    "/stats?period=30d",
    "/stats?from=2025-01-01&to=2025-01-31",
    "/stats.json",
    "/stats.json?period=all",
    "/stats/events.csv",
    "/stats/events.csv?period=90d",
    "/stats/daily.csv",
    "/stats/daily.csv?period=today",
]


# --- Helpers ------------------------------------------------------------------------


def reader(app, address, agent=PHONE):
    """A test client that looks like one reader (its own address and browser)."""
    client = app.test_client()
    client.environ_base.update(
        READER_ENVIRON, REMOTE_ADDR=address, HTTP_USER_AGENT=agent
    )
    return client


def visit(client, path, **kwargs):
    """Request ``path`` and close the response (events are written on close)."""
    with client.get(path, **kwargs) as response:
        response.get_data()
        return response


def csv_rows(response):
    """A CSV download's rows (header first), BOM checked and removed."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def cli_totals(app, days):
    """What ``flask --app webapp stats --json --days N`` prints, parsed."""
    result = app.test_cli_runner().invoke(args=["stats", "--json", "--days", str(days)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def seeded(app, owner_password):
    """Known traffic, through real requests: totals known by construction.

    Readers: A (Google, phone) views twice, clicks twice and calls twice within
    30 minutes (one repeat each); B (newsletter campaign, desktop) views and
    clicks once; C and D only view. C uses the chooser. Not counted: one bot,
    one HEAD, one link preview, one prefetch and the owner's own view.
    """
    a = reader(app, "198.51.100.1")
    google = {"Referer": "https://www.google.com/search?q=massage"}
    visit(a, "/", headers=google)
    visit(a, "/", headers=google)  # a reload keeps its referrer
    visit(a, "/book?from=header")
    visit(a, "/book?from=header")
    # A presses the phone number twice (the second within 30 minutes).
    for placement in ("practice", "footer"):
        with a.post(f"/call?from={placement}", headers=BEACON) as response:
            assert response.status_code == 204
    b = reader(app, "198.51.100.2", DESKTOP)
    visit(b, "/?utm_source=news&utm_campaign=spring")
    visit(b, "/book?from=article-end&utm_source=news&utm_campaign=spring")
    visit(reader(app, "198.51.100.3"), "/")
    visit(reader(app, "198.51.100.4"), "/")
    record(
        app,
        [{"kind": WIDGET, "widget": "chooser", "detail": "medical"}],
        "198.51.100.3",
    )
    visit(reader(app, "198.51.100.5", GOOGLEBOT), "/")
    with reader(app, "198.51.100.6").head("/") as response:
        response.get_data()
    visit(reader(app, "198.51.100.7", WHATSAPP), "/")
    visit(reader(app, "198.51.100.8"), "/", headers={"Sec-Purpose": "prefetch"})
    owner = reader(app, "198.51.100.9")
    log_in(owner, owner_password)
    visit(owner, "/")
    return owner


EXPECTED = {
    "page_views": 5,
    "unique_visitors": 4,
    "booking_clicks": 3,
    "unique_clickers": 2,
    "click_through_rate": 0.5,
    "widget_events": 1,
    "calls": 2,
    "unique_callers": 1,
    "filtered": {
        "bot": 1,
        "embedded": 0,
        "head": 1,
        "owner": 1,
        "prefetch": 1,
        "shared": 1,
        "ai": 0,
        "monitor": 0,
        "posing": 0,
    },
}


@pytest.fixture
def past_reader(app, owner_client):
    """The owner's client once one reader viewed the article, 100 days ago.

    Until a first page view the dashboard is the first-day checklist; this
    view lies before every preset but "all time".
    """
    tz = practice_zone(app)
    long_ago = calendar.today(tz) - datetime.timedelta(days=100)
    when = datetime.datetime.combine(long_ago, datetime.time(12), tz)
    record(app, [{"kind": VIEW}], "203.0.113.250", when=when)
    return owner_client


def dashes(start, end):
    """How en_US writes a period's days, as babel does: ``Dec 5 – 7, 2026``."""
    from babel.dates import format_interval

    return format_interval(start, end, "yMMMd", locale="en_US")


def spelt(day):
    """How en_US spells a day out: ``December 7, 2026``."""
    from babel.dates import format_date

    return format_date(day, "long", locale="en_US")


# --- Only the owner ---------------------------------------------------------------


@pytest.mark.parametrize("path", STATS_URLS)
def test_anonymous_client_is_refused_every_stats_url(client, path):
    with client.get(path) as response:
        body = response.get_data(as_text=True)
    if path.endswith((".csv",)) or ".csv?" in path or ".json" in path:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Page views" not in body and "page_views" not in body


@pytest.mark.parametrize("path", STATS_URLS)
def test_anonymous_htmx_request_is_refused_too(client, path):
    with client.get(path, headers={"HX-Request": "true"}) as response:
        assert response.status_code == 401
        assert "page_views" not in response.get_data(as_text=True)


def test_a_signed_out_owner_is_refused_again(seeded):
    html = seeded.get("/stats").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    seeded.post("/logout", data={"csrf_token": token})
    assert seeded.get("/stats.json").status_code == 401
    with seeded.get("/stats/events.csv") as response:
        assert response.status_code == 401


# --- Numbers that agree everywhere --------------------------------------------------


def test_dashboard_shows_the_numbers_known_by_construction(seeded):
    html = seeded.get("/stats?period=7d").get_data(as_text=True)
    numbers = headlines(html)
    for label, key in HEADLINES.items():
        assert numbers[label] == str(EXPECTED[key]), label
    assert numbers["Click-through rate"] == "50.0%"


def test_dashboard_csv_json_and_cli_agree(app, seeded):
    data = seeded.get("/stats.json?period=7d").get_json()
    totals = data["totals"]
    for key, value in EXPECTED.items():
        assert totals[key] == value, key
    # The owner's command line says the same.
    assert cli_totals(app, 7) == totals
    # The page.
    numbers = headlines(seeded.get("/stats?period=7d").get_data(as_text=True))
    for label, key in HEADLINES.items():
        assert numbers[label] == f"{totals[key]:,}"
    # Daily totals: the CSV and the JSON have the same days and numbers,
    # and they add up to the totals.
    with seeded.get("/stats/daily.csv?period=7d") as response:
        header, *days = csv_rows(response)
    assert header == [
        "day",
        "page_views",
        "unique_visitors",
        "booking_clicks",
        "unique_clickers",
        "widget_events",
        "calls",
        "unique_callers",
    ]
    assert len(days) == 7
    assert [dict(zip(header, row, strict=True)) for row in days] == [
        {k: str(v) for k, v in day.items()} for day in data["daily"]
    ]
    summed = ("page_views", "booking_clicks", "unique_clickers", "widget_events")
    for column in (*summed, "calls", "unique_callers"):
        index = header.index(column)
        assert sum(int(row[index]) for row in days) == totals[column]
    # Raw events: one row per counted event.
    with seeded.get("/stats/events.csv?period=7d") as response:
        header, *events = csv_rows(response)
    kinds = [row[header.index("kind")] for row in events]
    assert kinds.count(VIEW) == totals["page_views"]
    assert kinds.count(CLICK) == totals["booking_clicks"]
    assert kinds.count(WIDGET) == totals["widget_events"]
    assert kinds.count(CALL) == totals["calls"]
    repeats = [row[header.index("repeat")] for row in events if row[2] == CLICK]
    assert repeats.count("0") == totals["unique_clickers"]


def test_breakdowns_agree_with_what_was_clicked(seeded):
    data = seeded.get("/stats.json?period=7d").get_json()
    by = data["breakdowns"]
    assert {i["value"]: i["booking_clicks"] for i in by["placement"]} == {
        "header": 2,
        "article-end": 1,
    }
    google = next(i for i in by["referrer_host"] if i["value"] == "www.google.com")
    assert google["unique_visitors"] == 1
    assert google["booking_clicks"] == 2  # the clicks take their landing's referrer
    assert google["unique_clickers"] == 1
    spring = next(i for i in by["utm_campaign"] if i["value"] == "spring")
    assert (spring["unique_visitors"], spring["booking_clicks"]) == (1, 1)
    assert spring["click_through_rate"] == 1.0
    assert {i["value"]: i["booking_clicks"] for i in by["device"]} == {
        "mobile": 2,
        "desktop": 1,
    }
    assert data["chooser"] == [
        {"outcome": "medical", "shown": 1, "readers": 1, "booking_clicks": 0}
    ]
    groups = data["widget_groups"]
    assert groups["used"] == {"visitors": 1, "clickers": 0, "click_through_rate": 0.0}
    assert groups["not-used"]["visitors"] == 3
    assert groups["not-used"]["clickers"] == 2
    heat = data["clicks_by_weekday_hour"]
    assert heat["weekdays"][0] == "Monday"
    assert sum(map(sum, heat["clicks"])) == 3
    assert data["filtered"] == EXPECTED["filtered"]


def test_dashboard_shows_breakdowns_filtered_reasons_and_the_rough_flag(seeded):
    html = seeded.get("/stats?period=7d").get_data(as_text=True)
    # A host name's parts are spans with a line-break chance between them.
    html = re.sub(r'<span class="dash-host-part">([^<]*)</span>(<wbr>)?', r"\1", html)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    text = " ".join(text.split())
    assert "Top of the page 2 66.7%" in text
    assert "End of the article 1 33.3%" in text
    # Referrers by name, the host on hover.
    assert "Google 1 2 100.0%" in text
    assert 'title="www.google.com">Google<' in html
    assert "spring 1 1 100.0%" in text
    assert "Mobile 3 2" in text
    assert "Medical massage 1 0" in text
    assert "Used a widget 1 0 0.0%" in text
    assert "Did not use one 3 2 66.7%" in text
    for label in (
        "Other bots and crawlers 1",
        "HEAD requests 1",
        "Your own visits 1",
        "Prefetch and prerender 1",
        "Link previews (shared) 1",
    ):
        assert label in text
    # Four visitors: the click-through rate is only a rough guide.
    assert "Few visits so far: treat this rate as a rough guide." in text


def test_no_rough_flag_once_there_are_enough_visitors(app, owner_client):
    for n in range(30):
        record(app, [{"kind": VIEW}], f"203.0.113.{n}")
    record(app, [{"kind": CLICK, "placement": "footer"}], "203.0.113.1")
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert headlines(html)["Unique visitors"] == "30"
    assert headlines(html)["Click-through rate"] == "3.3%"
    assert "rough guide" not in html.split("<figure")[0]


def test_change_against_the_previous_period(app, owner_client):
    today = calendar.today(practice_zone(app))
    noon = datetime.time(12)
    tz = practice_zone(app)
    last_week = datetime.datetime.combine(today - datetime.timedelta(days=8), noon, tz)
    for n in range(40):
        record(app, [{"kind": VIEW}], f"203.0.113.{n}", when=last_week)
    for n in range(50):
        record(app, [{"kind": VIEW}], f"203.0.113.{n}")
    data = owner_client.get("/stats.json?period=7d").get_json()
    assert data["previous"]["page_views"] == 40
    assert data["totals"]["page_views"] == 50
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    # 50 against 40: chance often makes a difference this size.
    assert "about the same as the 7 days before" in html
    assert "up from 40" not in html
    for n in range(50, 90):
        record(app, [{"kind": VIEW}], f"203.0.113.{n}")
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    # 90 against 40: chance would rarely do that.
    assert "up from 40 the 7 days before" in html


def test_heatmap_puts_a_click_in_its_local_weekday_and_hour(app, owner_client):
    tz = practice_zone(app)
    day = calendar.today(practice_zone(app)) - datetime.timedelta(days=2)
    when = datetime.datetime.combine(day, datetime.time(19, 30), tz)
    record(app, [{"kind": VIEW}], "203.0.113.7", when=when)
    record(app, [{"kind": CLICK, "placement": "footer"}], "203.0.113.7", when=when)
    grid = owner_client.get("/stats.json?period=7d").get_json()
    grid = grid["clicks_by_weekday_hour"]["clicks"]
    assert grid[day.weekday()][19] == 1
    assert sum(map(sum, grid)) == 1
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    table = html.split('class="heat-table"')[1].split("</table>")[0]
    row = re.search(r'<th scope="row">7 pm</th>(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r'<td class="heat (heat-\d)">([^<]*)', row)
    assert cells[day.weekday()] == ("heat-4", "1")
    assert [c for i, c in enumerate(cells) if i != day.weekday()] == [
        ("heat-0", "")
    ] * 6


@pytest.mark.parametrize(
    "key", ["today", "7d", "month", "last-month", "30d", "90d", "all"]
)
def test_every_preset_works_on_a_quiet_database(past_reader, key):
    owner_client = past_reader
    response = owner_client.get(f"/stats?period={key}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert headlines(html)["Page views"] == ("1" if key == "all" else "0")
    if key != "all":
        assert "n/a" in headlines(html)["Click-through rate"]
        # Each empty section is one line: no chart, heatmap or table of zeros.
        assert "<svg" not in html and "heat-table" not in html
        assert "No page views or booking clicks in this period." in html
    assert f'id="period-{key}" class="pill"' in html
    assert re.search(rf'id="period-{key}"[^>]*aria-current="page"', html)
    assert owner_client.get(f"/stats.json?period={key}").status_code == 200


def test_a_date_range_is_shown_with_its_days(app, past_reader):
    owner_client = past_reader
    today = calendar.today(practice_zone(app))
    start = today - datetime.timedelta(days=2)
    url = f"/stats?from={start.isoformat()}&to={today.isoformat()}"
    html = owner_client.get(url).get_data(as_text=True)
    assert f'<h2 class="dash-heading">{dashes(start, today)}</h2>' in html
    # No ISO date in words: only in the form's values and the links.
    words = re.sub(
        r'(value|href|min|max|datetime|data-hx-get|action)="[^"]*"', "", html
    )
    assert start.isoformat() not in words
    assert f'value="{start.isoformat()}"' in html
    data = owner_client.get(url.replace("/stats", "/stats.json")).get_json()
    assert data["period"]["days"] == 3
    assert len(data["daily"]) == 3
    # The exports keep the range.
    assert (
        f"/stats/daily.csv?from={start.isoformat()}&amp;to={today.isoformat()}" in html
    )


# --- Bad periods ------------------------------------------------------------------


BAD_PERIODS = [
    ("period=yesterday", "Choose one of the periods offered."),
    ("from=2025-02-30&to=2025-03-01", "“from” must be a date like 2025-03-18."),
    ("from=2025-03-01&to=tomorrow", "“to” must be a date like 2025-03-18."),
    ("from=2025-03-01", "Choose both a “from” and a “to” date."),
    ("to=2025-03-01", "Choose both a “from” and a “to” date."),
    (
        "from=2025-03-09&to=2025-03-01",
        "The “from” date must not be after the “to” date.",
    ),
    # One wording for a day out of range: before the first day kept, or ahead.
    ("from=2019-12-31&to=2025-03-01", "“from” must be between 2020-01-01 and "),
    ("from=2025-03-01&to=2999-01-01", "“to” must be between 2020-01-01 and "),
    ("from=" + "9" * 5000 + "&to=2025-01-01", "“from” must be a date"),
    ("from=%00%ff&to=2025-01-01", "“from” must be a date"),
]


@pytest.mark.parametrize(("query", "message"), BAD_PERIODS)
def test_a_bad_period_gives_400_with_the_message_and_keeps_the_form(
    owner_client, query, message
):
    response = owner_client.get(f"/stats?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in unescape(html)
    assert 'role="alert"' in html
    assert 'id="period-range"' in html
    assert 'aria-invalid="true"' in html
    assert "What the article brings" in html
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("query", "message"), BAD_PERIODS)
def test_a_bad_period_gives_400_in_the_fragment_json_and_csv(
    owner_client, query, message
):
    fragment = owner_client.get(f"/stats?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 400
    assert message in unescape(fragment.get_data(as_text=True))
    assert "<html" not in fragment.get_data(as_text=True)
    data = owner_client.get(f"/stats.json?{query}")
    assert data.status_code == 400
    assert message in data.get_json()["error"]
    for path in ("/stats/events.csv", "/stats/daily.csv"):
        with owner_client.get(f"{path}?{query}") as response:
            assert response.status_code == 400
            assert response.mimetype == "text/plain"
            assert message in response.get_data(as_text=True)


def test_the_range_form_keeps_typed_dates_and_drops_anything_else(owner_client):
    # Two real dates in the wrong order: kept, so the owner can correct them.
    response = owner_client.get("/stats?from=2025-03-09&to=2025-03-01")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'name="from" type="date" value="2025-03-09"' in html
    assert 'name="to" type="date" value="2025-03-01"' in html
    # Text a date field cannot hold (markup, an impossible date) is never
    # written back into the page.
    typed = '"><script>alert(1)</script>'
    for bad in (typed, "2025-02-30", "x"):
        response = owner_client.get("/stats", query_string={"from": bad, "to": "x"})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert 'name="from" type="date" value=""' in html
        assert 'name="to" type="date" value=""' in html
        assert "alert(1)" not in html and "2025-02-30" not in html


# --- Page or fragment -------------------------------------------------------------


def test_full_page_and_fragment_render_the_same_partial(past_reader):
    owner_client = past_reader
    page = owner_client.get("/stats?period=30d")
    fragment = owner_client.get("/stats?period=30d", headers={"HX-Request": "true"})
    for response in (page, fragment):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "no-store"
    page_html = page.get_data(as_text=True)
    fragment_html = fragment.get_data(as_text=True)
    assert page_html.lstrip().startswith("<!doctype html>")
    assert "<html" not in fragment_html and "site-header" not in fragment_html
    # htmx sets the title from the fragment's own top-level <title>.
    assert fragment_html.lstrip().startswith(
        "<title>Your stats: Last 30 days | Reach for Serenity"
    )
    inner = re.search(
        r'<div id="dashboard" class="dash"[^>]*>(.*)</div>\s*</section>',
        page_html,
        re.S,
    ).group(1)
    without_title = fragment_html.split("</title>", 1)[1]
    # Then the status region's new words, for the region outside the box.
    status, without_status = without_title.split("</p>", 1)
    assert 'id="dashboard-status" role="status" data-hx-swap-oob="innerHTML"' in status
    # The CSRF token of the sign-out form is outside; what is inside is the
    # same, but for the notes form's token (signed with the second it was made).
    token = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=)"[^"]+"')
    assert token.search(inner), "the notes form carries a CSRF token"
    assert token.sub(r"\1", " ".join(inner.split())) == token.sub(
        r"\1", " ".join(without_status.split())
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
        {"HX-Request": "true", "HX-Boosted": "true"},
    ],
    ids=["plain", "history-restore", "boosted"],
)
def test_anything_but_a_real_htmx_request_gets_the_full_page(owner_client, headers):
    response = owner_client.get("/stats?period=7d", headers=headers)
    assert response.status_code == 200
    assert "<!doctype html>" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_picker_links_and_form_swap_the_dashboard_with_htmx(past_reader):
    html = past_reader.get("/stats").get_data(as_text=True)
    for key in ("today", "7d", "month", "last-month", "30d", "90d", "all"):
        assert (
            f'href="/stats?period={key}" data-hx-get="/stats?period={key}" '
            'data-hx-target="#dashboard" data-hx-push-url="true"'
        ) in html
    form = re.search(r'<form id="period-range"[^>]*>', html).group(0)
    for attribute in (
        'method="get"',
        'action="/stats"',
        'data-hx-get="/stats"',
        'data-hx-target="#dashboard"',
        'data-hx-push-url="true"',
    ):
        assert attribute in form


def test_dashboard_has_no_inline_style_or_script(seeded):
    html = seeded.get("/stats?period=7d").get_data(as_text=True)
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+\s*=", html)
    # The chart is inline SVG with a table of the same numbers.
    assert html.count('<svg class="chart__svg') == 2
    assert "The numbers as a table" in html


# --- Escaping: stored strings are inert everywhere -----------------------------------


@pytest.fixture
def hostile(app, owner_password):
    """Events whose referrer and campaign fields hold markup and formulas."""
    for n, payload in enumerate(HOSTILE_STRINGS):
        utm = {field: payload for field in ("utm_source", "utm_campaign", "utm_term")}
        record(
            app,
            [{"kind": VIEW}, {"kind": CLICK, "placement": "header"}],
            f"192.0.2.{n + 1}",
            referrer=payload,
            utm=utm,
        )
    # And through a real request: the campaign arrives in the landing URL.
    landing = reader(app, "192.0.2.50")
    visit(
        landing,
        "/",
        query_string={
            "utm_campaign": HOSTILE_STRINGS[0],
            "utm_source": HOSTILE_STRINGS[1],
            "utm_content": HOSTILE_STRINGS[2],
        },
    )
    visit(landing, "/book?from=footer")
    client = app.test_client()
    log_in(client, owner_password)
    return client


def test_hostile_strings_are_escaped_in_the_page_and_svg(hostile):
    for headers in ({}, {"HX-Request": "true"}):
        html = hostile.get("/stats?period=7d", headers=headers).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<svg onload" not in html
        assert "onload=alert" not in html.replace("onload=alert(1)&gt;", "")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html
        assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html
        svgs = re.findall(r"<svg.*?</svg>", html, re.S)
        assert len(svgs) >= 2  # the charts are drawn: there is something to check
        for svg in svgs:
            assert "alert" not in svg and "HYPERLINK" not in svg


def test_hostile_strings_are_neutralised_in_the_csv(hostile):
    with hostile.get("/stats/events.csv?period=7d") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        header, *rows = csv_rows(response)
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert "<script>alert(1)</script>" in cells  # as text: a spreadsheet shows it
    referrers = {row[header.index("referrer_host")] for row in rows}
    assert '\'=HYPERLINK("http://x","y")' in referrers


def test_hostile_strings_stay_plain_data_in_json(hostile):
    response = hostile.get("/stats.json?period=7d")
    assert response.mimetype == "application/json"
    campaigns = {i["value"] for i in response.get_json()["breakdowns"]["utm_campaign"]}
    assert set(HOSTILE_STRINGS) <= campaigns


# --- Downloads ----------------------------------------------------------------------


def test_downloads_are_named_for_their_period(app, owner_client):
    today = calendar.today(practice_zone(app)).isoformat()
    with owner_client.get("/stats/daily.csv?period=today") as response:
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="daily-{today}-to-{today}.csv"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        assert response.mimetype == "text/csv"
        header, row = csv_rows(response)
    assert row == [today, "0", "0", "0", "0", "0", "0", "0"]
    with owner_client.get("/stats/events.csv?period=today") as response:
        header, *rows = csv_rows(response)
    # Every stored column an owner's spreadsheet may need, in a fixed order;
    # never the visitor key: the export travels further than the database.
    assert header == [
        "ts",
        "day",
        "kind",
        "page",
        "placement",
        "widget",
        "detail",
        "referrer_host",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "device",
        "browser",
        "repeat",
    ]
    assert rows == []


def test_event_timestamps_are_iso_utc(app, seeded):
    with seeded.get("/stats/events.csv?period=7d") as response:
        header, *rows = csv_rows(response)
    for row in rows:
        stamp = row[header.index("ts")]
        assert datetime.datetime.fromisoformat(stamp).utcoffset() == datetime.timedelta(
            0
        )
        datetime.date.fromisoformat(row[header.index("day")])


# --- The previous period's totals (reports.period_totals) ---------------------------


def test_period_totals_equal_a_full_reports_totals(app, seeded):
    tz = practice_zone(app)
    today = calendar.today(practice_zone(app))
    for days_ago in (3, 9, 12):
        when = datetime.datetime.combine(
            today - datetime.timedelta(days=days_ago), datetime.time(10), tz
        )
        record(app, [{"kind": VIEW}, {"kind": CLICK}], "203.0.113.9", when=when)
    db = connect(app.config["DATABASE"])
    try:
        rollups.ensure_rollups(db, today)
        # All rolled up (12-1 days ago: read from the totals alone), or not.
        for start_ago, end_ago in (
            (12, 1),
            (12, 7),
            (9, 3),
            (13, 7),
            (6, 0),
            (400, 380),
        ):
            start = today - datetime.timedelta(days=start_ago)
            end = today - datetime.timedelta(days=end_ago)
            assert reports.period_totals(db, start, end) == (
                reports.report(db, start, end).totals()
            )
    finally:
        db.conn.close()


# --- What a swap says (WCAG 4.1.3) and how tables fit (1.4.10, 1.4.12) -------------

STATUS = re.compile(
    r'<p class="visually-hidden" id="dashboard-status"[^>]*>(.*?)</p>', re.S
)


def test_the_fragment_says_what_the_dashboard_now_shows(app, seeded):
    page = seeded.get("/stats?period=7d").get_data(as_text=True)
    # The page's region is outside the swapped box, and empty: nothing changed yet.
    assert STATUS.search(page).group(1) == ""
    assert page.index('id="dashboard-status"') < page.index('<div id="dashboard"')
    htmx = {"HX-Request": "true"}
    fragment = seeded.get("/stats?period=7d", headers=htmx).get_data(as_text=True)
    # The heading's period label and the tiles' own numbers.
    assert STATUS.search(fragment).group(1) == (
        "Now showing: Last 7 days. Page views: 5. Booking clicks: 3."
    )
    day = calendar.today(practice_zone(app))
    today = day.isoformat()
    ranged = seeded.get(f"/stats?from={today}&to={today}", headers=htmx).get_data(
        as_text=True
    )
    assert (
        STATUS.search(ranged)
        .group(1)
        .startswith(f"Now showing: {spelt(day)}. Page views: ")
    )


def test_a_bad_period_empties_the_status_and_lets_the_alert_speak(owner_client):
    response = owner_client.get(
        "/stats?from=2025-03-09&to=2025-03-01", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert STATUS.search(html).group(1) == ""
    assert 'role="alert"' in html


def test_the_status_says_the_numbers_as_the_tiles_write_them(owner_client, monkeypatch):
    real_build = dashboard.build

    def big(*args, **kwargs):
        board = real_build(*args, **kwargs)
        for h in board.headlines:
            if h.key == "page_views":
                h.text = "1,574"  # as formatting.number writes 1574
        return board

    monkeypatch.setattr(dashboard, "build", big)
    html = owner_client.get(
        "/stats?period=30d", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Page views: 1,574." in STATUS.search(html).group(1)


def test_every_table_scrolls_in_a_named_focusable_region(hostile):
    html = hostile.get("/stats?period=7d").get_data(as_text=True)
    tables = html.count("<table")
    boxes = re.findall(r'<div class="dash-scroll" ([^>]*)>\s*<table', html)
    assert tables >= 6 and len(boxes) == tables
    for attributes in boxes:
        assert 'role="region" tabindex="0"' in attributes
        assert re.search(r'aria-label(ledby)?="[^"]+"', attributes)
    # Named after their card, but not the card's own name (one region each).
    assert 'aria-label="Clicks by referrer, table"' in html


def test_host_names_wrap_only_after_their_dots(app, owner_client):
    record(
        app,
        [{"kind": VIEW}, {"kind": CLICK, "placement": "footer"}],
        "203.0.113.4",
        referrer="news.example-site.org",
    )
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert (
        '<span class="dash-host-part">news.</span><wbr>'
        '<span class="dash-host-part">example-site.</span><wbr>'
        '<span class="dash-host-part">org</span>'
    ) in html
    # Words with spaces wrap as words do.
    assert ">Did not use one<" in html
