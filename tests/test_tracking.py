"""What a visit leaves in the database: honest counts, nothing personal, clean text.

In tests, events are written as the response closes (``TRACK_IN_BACKGROUND``
is off when ``TESTING``); production queues them on a background writer. The
tests that take ``write_path`` run both ways; the others say why one is enough.
"""

import datetime
import logging
from zoneinfo import ZoneInfo

import pytest
from flask import make_response, request

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect
from webapp.core.http import PREFETCH_HEADERS
from webapp.stats import reports
from webapp.tracking import capture, classify, store, vocabulary

from .conftest import (
    DESKTOP,
    GOOGLEBOT,
    MALFORMED_URLS,
    PHONE,
    READER_HEADERS,
    WHATSAPP,
    create_migrated_database,
    visit,
)

# iMessage's link preview fetcher.
IMESSAGE = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 "
    "(KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 "
    "facebookexternalhit/1.1 Facebot Twitterbot/1.0"
)
TABLET = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def rows(database_path, sql="SELECT * FROM events ORDER BY id", params=()):
    """Query the test database with a connection of our own (closed after).

    Waits first for the background writer to store what was queued (at once
    when nothing was).
    """
    capture.flush()
    db = connect(str(database_path))
    try:
        return list(db.query(sql, params))
    finally:
        db.conn.close()


def tallies(database_path):
    """{(reason, kind): count} of what was filtered."""
    return {
        (r["reason"], r["kind"]): r["events"]
        for r in rows(database_path, "SELECT * FROM filtered_daily")
    }


def todays_report(app):
    """Today's report, once the background writer has stored what was queued."""
    capture.flush()
    today = calendar.today(practice_zone(app))
    db = connect(app.config["DATABASE"])
    try:
        return reports.report(db, today, today)
    finally:
        db.conn.close()


@pytest.fixture(params=["on close", "background writer"])
def write_path(request, app, monkeypatch):
    """Run a test both ways: events written as the response closes (the tests'
    default), and queued on the background writer (production's path)."""
    background = request.param == "background writer"
    app.config["TRACK_IN_BACKGROUND"] = background
    queued = []
    submit = capture._writer.submit

    def counting_submit(app, item):
        queued.append(item)
        submit(app, item)

    monkeypatch.setattr(capture._writer, "submit", counting_submit)
    yield request.param
    # The path under test was the one taken.
    assert bool(queued) == background, f"{request.param}: {len(queued)} queued"


@pytest.fixture
def widget_client(app):
    """A client for an app with a stand-in widget view that records its uses."""

    def widget_stand_in(*uses):
        visit = capture.judge(request.environ, request.path)
        events = (capture.widget_use(widget, detail) for widget, detail in uses)
        return capture.record(make_response("widget"), visit, *events)

    @app.get("/test-widget")
    def widget():
        return widget_stand_in(("aspect", "training"), ("chooser", "medical"))

    @app.get("/test-junk-widget")
    def junk_widget():
        return widget_stand_in(("tech\x00nique", "deep\r\ntissue\u202e" + "y" * 500))

    return app.test_client()


# --- Page views ------------------------------------------------------------------


def test_full_page_view_of_the_article_is_logged_with_its_details(
    client, database_path, write_path
):
    landing = "/?utm_source=newsletter&utm_medium=email&utm_campaign=march"
    referrer = "https://www.google.com/search?q=medical+massage+near+me"
    response = visit(client, landing, headers={"Referer": referrer})
    assert response.status_code == 200
    (view,) = rows(database_path)
    assert view["kind"] == "view"
    assert view["page"] == "/"
    assert view["referrer_host"] == "www.google.com"  # host only, never the URL
    assert (view["utm_source"], view["utm_medium"], view["utm_campaign"]) == (
        "newsletter",
        "email",
        "march",
    )
    assert view["device"] == "mobile"
    assert view["browser"] == "Mobile Safari"
    assert len(view["visitor"]) == 16
    assert view["ts"].endswith("Z")
    stamp = datetime.datetime.fromisoformat(view["ts"].replace("Z", "+00:00"))
    assert abs(datetime.datetime.now(datetime.UTC) - stamp).total_seconds() < 60


@pytest.mark.parametrize(
    ("agent", "device", "browser"),
    [
        (PHONE, "mobile", "Mobile Safari"),
        (DESKTOP, "desktop", "Chrome"),
        (TABLET, "tablet", "Mobile Safari"),
    ],
)
def test_device_class_and_browser_family(client, database_path, agent, device, browser):
    # On close only: the device and browser are read in the request, either way.
    visit(client, agent=agent)
    (view,) = rows(database_path)
    assert (view["device"], view["browser"]) == (device, browser)


def test_fragment_requests_head_and_errors_are_not_page_views(client, database_path):
    # On close only: which events a request stands for is decided in the request.
    visit(client, headers={"HX-Request": "true"})
    visit(client, "/no-such-page")
    visit(client, "/healthz")
    assert rows(database_path) == []


def test_history_restore_is_a_full_page_and_counts(client, database_path):
    # On close only: which events a request stands for is decided in the request.
    visit(client, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert [r["kind"] for r in rows(database_path)] == ["view"]


def test_internal_referrer_is_not_a_source(client, database_path):
    # On close only: the referrer's host is taken in the request, either way.
    visit(client, headers={"Referer": "http://localhost/?utm_source=x"})
    assert rows(database_path)[0]["referrer_host"] == ""


def test_readers_get_no_cookie_and_no_session(widget_client, database_path):
    # On close only: the headers are the response's, whichever path writes.
    for path in ("/", "/book?from=header", "/test-widget"):
        response = visit(widget_client, path)
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    assert len(rows(database_path)) == 4


# --- Widget events ---------------------------------------------------------------


def test_widget_events_are_logged_with_the_pages_campaign(
    widget_client, database_path, write_path
):
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": "http://localhost/?utm_source=instagram&utm_campaign=spring",
    }
    visit(widget_client, "/test-widget", headers=headers)
    events = rows(database_path)
    assert [(e["kind"], e["widget"], e["detail"]) for e in events] == [
        ("widget", "aspect", "training"),
        ("widget", "chooser", "medical"),
    ]
    # The page is the route's (the stand-in names none); HX-Current-URL gives
    # only the campaign.
    assert {(e["page"], e["utm_source"], e["utm_campaign"]) for e in events} == {
        ("/test-widget", "instagram", "spring")
    }


def test_widget_events_of_bots_are_tallied_not_logged(
    widget_client, database_path, write_path
):
    visit(widget_client, "/test-widget", agent=GOOGLEBOT)
    assert rows(database_path) == []
    assert tallies(database_path) == {("bot", "widget"): 2}


def test_widget_events_are_stored_clean_and_capped(widget_client, database_path):
    # On close only: the events are cleaned in the request, before either path.
    response = visit(widget_client, "/test-junk-widget")
    assert response.status_code == 200
    events = rows(database_path)
    assert [(e["widget"], len(e["detail"])) for e in events] == [
        ("tech nique", vocabulary.LIMITS["detail"])
    ]
    assert events[0]["detail"].startswith("deep tissue y")


def test_booking_link_inside_a_fragment_keeps_the_campaign(app):
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": "http://localhost/?utm_source=instagram&utm_term=a%0Db",
    }
    with app.test_request_context("/widgets/x", headers=headers):
        href = classify.page_utm(request.environ)
    assert href == {"utm_source": "instagram", "utm_term": "a b"}


# --- Booking clicks: dedupe and attribution --------------------------------------


def test_repeat_clicks_count_as_clicks_but_once_as_unique_clickers(
    client, database_path, write_path
):
    for placement in ("header", "article-end", "header"):
        visit(client, f"/book?from={placement}")
    visit(client, "/book?from=footer", agent=DESKTOP)  # another reader
    clicks = rows(database_path)
    assert [c["repeat"] for c in clicks] == [0, 1, 1, 0]
    assert [c["placement"] for c in clicks] == [
        "header",
        "article-end",
        "header",
        "footer",
    ]
    report = todays_report(client.application)
    assert report.booking_clicks == 4
    assert report.unique_clickers == 2


def test_a_click_after_thirty_quiet_minutes_counts_as_unique_again(database_path):
    tz = ZoneInfo("UTC")
    start = datetime.datetime(2025, 3, 18, 9, 0, tzinfo=datetime.UTC)
    db = connect(str(database_path))
    try:
        for minutes in (0, 29, 58, 89):
            reader = capture.Visit(
                "198.51.100.4", PHONE, None, "/", "", {}, "mobile", "Mobile Safari",
                [{"kind": "click", "placement": "header"}],
            )  # fmt: skip
            now = start + datetime.timedelta(minutes=minutes)
            store.record(db, reader, "secret", tz, now=now)
        repeats = [r[0] for r in db.execute("SELECT repeat FROM events ORDER BY id")]
    finally:
        db.conn.close()
    # 29 and 58 follow a click by < 30 minutes; 89 comes 31 minutes after 58.
    assert repeats == [0, 1, 1, 0]


def test_a_click_takes_the_landing_referrer_and_campaign_of_its_reader(
    client, database_path, write_path
):
    visit(
        client,
        "/?utm_source=facebook&utm_campaign=spring",
        headers={"Referer": "https://l.facebook.com/"},
    )
    visit(client, "/book?from=article-end", headers={"Referer": "http://localhost/"})
    view, click = rows(database_path)
    assert (view["kind"], click["kind"]) == ("view", "click")
    assert click["placement"] == "article-end"
    assert click["repeat"] == 0
    assert click["visitor"] == view["visitor"]
    assert click["referrer_host"] == "l.facebook.com"
    assert (click["utm_source"], click["utm_campaign"]) == ("facebook", "spring")
    assert click["page"] == "/"


def test_the_same_reader_is_one_visitor_a_day_and_a_stranger_the_next(database_path):
    tz = ZoneInfo("America/New_York")
    db = connect(str(database_path))
    try:
        keys = []
        for day, hour in ((18, 12), (18, 23), (19, 5)):
            now = datetime.datetime(2025, 3, day, hour, tzinfo=datetime.UTC)
            reader = capture.Visit(
                "198.51.100.4", PHONE, None, "/", "", {}, "mobile", "Mobile Safari",
                [{"kind": "view"}],
            )  # fmt: skip
            store.record(db, reader, "secret", tz, now=now)
            keys.append(
                db.execute("SELECT visitor FROM events ORDER BY id DESC").fetchone()[0]
            )
        salts = [
            r[0]
            for r in db.execute("SELECT value FROM meta WHERE key = 'visitor_salt'")
        ]
    finally:
        db.conn.close()
    # 23:00 UTC on the 18th is still the 18th in New York; 05:00 on the 19th is not.
    assert keys[0] == keys[1] != keys[2]
    assert len(salts) == 1 and salts[0].startswith("2025-03-19:")


def test_yesterdays_salt_is_gone_from_the_database_file(database_path):
    tz = ZoneInfo("UTC")
    db = connect(str(database_path))
    try:
        for day in (18, 19):
            now = datetime.datetime(2025, 3, day, 12, tzinfo=datetime.UTC)
            reader = capture.Visit(
                "198.51.100.4", PHONE, None, "/", "", {}, "mobile", "Mobile Safari",
                [{"kind": "view"}],
            )  # fmt: skip
            store.record(db, reader, "secret", tz, now=now)
            if day == 18:
                old = db.execute("SELECT value FROM meta WHERE key = 'visitor_salt'")
                old_salt = old.fetchone()[0].partition(":")[2]
    finally:
        db.conn.close()  # the last connection checkpoints the WAL into the file
    assert old_salt.encode() not in database_path.read_bytes()
    wal = database_path.with_name(database_path.name + "-wal")
    assert not wal.exists() or old_salt.encode() not in wal.read_bytes()


# --- Honest counting: what is filtered, and why ----------------------------------


@pytest.mark.parametrize(
    ("agent", "reason"),
    [
        (GOOGLEBOT, "bot"),
        (
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "bot",
        ),
        ("curl/8.5.0", "bot"),
        ("python-requests/2.32.3", "bot"),
        ("", "bot"),
        (WHATSAPP, "shared"),
        (
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "shared",
        ),
        (IMESSAGE, "shared"),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "shared"),
        ("TelegramBot (like TwitterBot)", "shared"),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "shared"),
    ],
)
def test_bots_and_link_previews_are_tallied_by_reason_not_counted(
    client, database_path, write_path, agent, reason
):
    visit(client, "/", agent=agent)
    visit(client, "/book?from=header", agent=agent)
    assert rows(database_path) == []
    assert tallies(database_path) == {(reason, "view"): 1, (reason, "click"): 1}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Sec-Purpose", "prefetch"),
        ("Sec-Purpose", "prefetch;prerender"),
        ("Purpose", "prefetch"),
        ("X-Purpose", "preview"),
        ("X-Moz", "prefetch"),
    ],
)
def test_prefetch_and_prerender_are_tallied_not_counted(
    client, database_path, write_path, header, value
):
    assert header in PREFETCH_HEADERS
    visit(client, "/", headers={header: value})
    visit(client, "/book?from=header", headers={header: value})
    assert rows(database_path) == []
    assert tallies(database_path) == {("prefetch", "view"): 1, ("prefetch", "click"): 1}


def test_head_requests_are_tallied_not_counted(client, database_path, write_path):
    response = visit(client, "/", method="head")
    assert response.status_code == 200
    visit(client, "/book?from=header", method="head")
    assert rows(database_path) == []
    assert tallies(database_path) == {("head", "view"): 1, ("head", "click"): 1}


def test_the_logged_in_owners_visits_are_tallied_not_counted(
    owner_client, database_path, write_path
):
    visit(owner_client, "/")
    visit(owner_client, "/book?from=header")
    assert rows(database_path) == []
    assert tallies(database_path) == {("owner", "view"): 1, ("owner", "click"): 1}


def test_filtered_tallies_reach_the_report(client, write_path):
    visit(client, "/", agent=GOOGLEBOT)
    visit(client, "/", agent=WHATSAPP)
    visit(client, "/", agent="Mozilla/5.0 (compatible; GPTBot/1.2)")
    visit(client, "/", agent="Datadog Agent/7.55.0")
    visit(client, "/", method="head")
    visit(client, "/", headers={"Sec-Fetch-Site": None})
    visit(client, "/")
    report = todays_report(client.application)
    assert report.page_views == 1
    assert report.filtered == {
        "head": 1,
        "embedded": 0,
        "prefetch": 0,
        "shared": 1,
        "ai": 1,
        "monitor": 1,
        "bot": 1,
        "posing": 1,
        "owner": 0,
    }


# --- Privacy ---------------------------------------------------------------------

PRIVATE_IP = "203.0.113.197"
PRIVATE_AGENT = DESKTOP + " Qx7PrivacyProbe/4.2"


def test_ip_and_user_agent_never_reach_the_database_its_wal_or_the_logs(
    widget_client, database_path, write_path, caplog
):
    # Hold a connection open so the WAL is not checkpointed away before we look.
    keeper = connect(str(database_path))
    try:
        environ = {"REMOTE_ADDR": PRIVATE_IP}
        with caplog.at_level(logging.DEBUG):
            for path in ("/?utm_source=x", "/book?from=header", "/test-widget"):
                visit(widget_client, path, agent=PRIVATE_AGENT, environ_base=environ)
            headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}
            visit(
                widget_client,
                "/test-widget",
                agent=PRIVATE_AGENT,
                environ_base=environ,
                headers=headers,
            )
        stored = [r["kind"] for r in rows(database_path)]
        assert stored == ["view", "click", "widget", "widget", "widget", "widget"]
        files = [database_path, database_path.with_name(database_path.name + "-wal")]
        contents = b"".join(path.read_bytes() for path in files if path.exists())
    finally:
        keeper.conn.close()
    assert len(contents) > 0
    for secret in (PRIVATE_IP, PRIVATE_AGENT, "Qx7PrivacyProbe"):
        assert secret.encode() not in contents
        assert secret.encode("utf-16-le") not in contents
        assert secret not in caplog.text
    for record in caplog.records:
        assert PRIVATE_IP not in str(record.args)


@pytest.mark.parametrize(
    "background", [False, True], ids=["on close", "background writer"]
)
def test_a_failed_write_is_logged_without_ip_or_user_agent(
    tmp_path, caplog, background
):
    from webapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "none" / "x.db"),
            "TRACK_IN_BACKGROUND": background,
        }
    )
    with caplog.at_level(logging.DEBUG):
        response = visit(
            app.test_client(),
            "/book?from=header",
            agent=PRIVATE_AGENT,
            environ_base={"REMOTE_ADDR": PRIVATE_IP},
        )
        capture.flush()
    assert response.status_code == 302  # the reader still gets the booking page
    assert "Event not recorded (the reader was not affected)" in caplog.text
    assert PRIVATE_IP not in caplog.text
    assert "Qx7PrivacyProbe" not in caplog.text


def test_scrub_cuts_private_strings_out_of_a_message():
    text = f"failed for {PRIVATE_IP} with {PRIVATE_AGENT}"
    assert capture.scrub(text, PRIVATE_IP, PRIVATE_AGENT) == (
        "failed for [private] with [private]"
    )


# --- Bad input: capped, cleaned, never a 500 -------------------------------------


def test_long_and_control_character_utm_values_are_stored_capped_and_clean(
    client, database_path
):
    # On close only: the values are capped and cleaned in the request.
    long = "a" * 10_000
    query = (
        f"/book?from=header&utm_source={long}"
        "&utm_medium=e%00m%0Da%0Ai%1Bl%7F&utm_campaign=%E2%80%AEspring%E2%80%8B"
        "&utm_content=%FF%FE%FD&utm_term=%20%20"
    )
    response = visit(client, query)
    assert response.status_code == 302
    (click,) = rows(database_path)
    assert click["utm_source"] == "a" * 100
    assert click["utm_medium"] == "e m a i l"
    assert click["utm_campaign"] == "spring"
    # Bytes that are not UTF-8 arrive replaced or still escaped: printable.
    assert click["utm_content"] and click["utm_content"].isprintable()
    assert click["utm_term"] == ""


@pytest.mark.parametrize(
    "referrer",
    [
        *MALFORMED_URLS,
        "not a url at all",
        "https://" + "sub." * 500 + "example.com/",
        "https://ex\x07ample.com/path",
        "https://\xff\xfe.example/",
        "javascript:alert(1)",
        "https://user:pass@www.example.com:8443/secret?token=abc",
    ],
)
def test_odd_referrers_are_stored_as_a_clean_host_or_nothing(
    client, database_path, referrer
):
    # On close only: the host is taken and cleaned in the request.
    response = visit(client, "/", headers={"Referer": referrer})
    assert response.status_code == 200
    (view,) = rows(database_path)
    host = view["referrer_host"]
    assert len(host) <= vocabulary.LIMITS["referrer_host"]
    assert host.isprintable()
    assert "/" not in host and "?" not in host and "@" not in host
    assert "secret" not in host and "token" not in host and "pass" not in host


ODD_AGENT_TAILS = [
    "A" * 8000,
    "(iPhone)\x00\x01\x1b[31m\x7f",
    "\xff\xfe\xe9t\xe9",
    "(\u202eevil)",
]


@pytest.mark.parametrize("tail", ODD_AGENT_TAILS)
def test_odd_user_agents_never_give_a_500(client, database_path, tail):
    # On close only: the agent is classified and cleaned in the request.
    paths = ("/", "/book?from=header")
    statuses = [visit(client, path, agent=PHONE + tail).status_code for path in paths]
    assert statuses == [200, 302]
    # A browser, however odd its User-Agent's tail, is a reader: both counted.
    events = rows(database_path)
    assert [event["kind"] for event in events] == ["view", "click"]
    for event in events:
        assert event["browser"].isprintable()
        assert len(event["browser"]) <= vocabulary.LIMITS["browser"]
        assert event["device"] in ("mobile", "tablet", "desktop")


@pytest.mark.parametrize(
    "tail", ["A" * 8000, "\x00\x01\x1b[31m\x7f", "\xff\xfe\xe9t\xe9", "(\u202eevil)"]
)
def test_odd_strings_claiming_no_browser_are_bots_not_500s(client, database_path, tail):
    paths = ("/", "/book?from=header")
    agent = "Mozilla/5.0 " + tail
    statuses = [visit(client, path, agent=agent).status_code for path in paths]
    assert statuses == [200, 302]
    assert rows(database_path) == []
    assert tallies(database_path) == {("bot", "view"): 1, ("bot", "click"): 1}


@pytest.mark.parametrize(
    "current_url",
    [
        *MALFORMED_URLS,
        "\x00\x01",
        "http://localhost/?" + "utm_source=x&" * 2000,
        "",
    ],
)
def test_odd_hx_current_url_never_gives_a_500(widget_client, current_url):
    # On close only: the header is read in the request; only the answer is checked.
    headers = {"HX-Request": "true", "HX-Current-URL": current_url}
    response = visit(widget_client, "/test-widget", headers=headers)
    assert response.status_code == 200


def test_clean_text_strips_controls_and_caps():
    from webapp.core.text import clean_text

    assert clean_text("  a\tb\x00c\u200bd\u2028e  ", 100) == "a b c d e"
    assert clean_text("x" * 50, 10) == "x" * 10
    assert clean_text(None, 10) == ""
    assert clean_text(12, 10) == "12"


def test_background_writer_stores_every_event_off_the_request(database_path):
    from webapp import create_app

    app = create_app(
        {"TESTING": True, "DATABASE": str(database_path), "TRACK_IN_BACKGROUND": True}
    )
    client = app.test_client()
    for placement in ("header", "footer", "article-end"):
        response = client.get(f"/book?from={placement}", headers=READER_HEADERS)
        assert response.status_code == 302  # not closed: nothing waits on close
    visit(client, "/")
    capture.flush()
    assert [r["kind"] for r in rows(database_path)] == ["click"] * 3 + ["view"]


def test_background_writer_follows_a_restored_database_file(database_path, tmp_path):
    import os

    from webapp import create_app

    app = create_app(
        {"TESTING": True, "DATABASE": str(database_path), "TRACK_IN_BACKGROUND": True}
    )
    client = app.test_client()
    client.get("/book?from=header", headers=READER_HEADERS)
    capture.flush()
    restored = create_migrated_database(tmp_path / "restored.db")
    # As a restore would: the old file and its WAL go, the copy takes its place.
    for suffix in ("-wal", "-shm"):
        database_path.with_name(database_path.name + suffix).unlink(missing_ok=True)
    os.replace(restored, database_path)
    client.get("/book?from=footer", headers=READER_HEADERS)
    capture.flush()
    assert [r["placement"] for r in rows(database_path)] == ["footer"]
