"""Each article's own numbers (issue 32): the Articles table, narrowing, exports.

Events on three pages (the home article, a second article, and '' for a
booking click whose link named no article) are stored straight into a real
SQLite file; two days before today is rolled up and its raw events pruned,
yesterday is rolled up, today is live. Every figure is known by construction.
"""

import datetime
import json
import re
import sqlite3
from html import unescape

import pytest

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.db import connect, migrate
from webapp.core.migrations import migrations
from webapp.digest import letter as letters
from webapp.stats import reports, rollups
from webapp.tracking.vocabulary import CLICK, VIEW

from .conftest import create_migrated_database, log_in, make_app, record
from .test_articles_pages import SECOND, SECOND_TITLE, write_articles
from .test_dashboard import csv_rows
from .test_digest import letter_text

HOME_TITLE = "What Comes to Mind When You Hear “Massage”?"
SECOND_PAGE = f"/articles/{SECOND}"


def chooser(outcome):
    """A reader shown the chooser's suggestion ``outcome``."""
    return {"kind": "widget", "widget": "chooser", "detail": outcome}


def click(placement="header"):
    """A booking click at ``placement``."""
    return {"kind": CLICK, "placement": placement}


def view():
    """A page view."""
    return {"kind": VIEW}


def at(app, day, hour, minute=0):
    """A moment of ``day`` in the practice's time zone."""
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), practice_zone(app)
    )


@pytest.fixture
def app(database_path, tmp_path):
    """The app on a content folder of three articles (home, second, a draft)."""
    return make_app(database_path, CONTENT_DIR=str(write_articles(tmp_path / "c")))


# What the seeded events add up to, per page, over the last 7 days.
EXPECTED = {
    "/": {
        "page_views": 4,
        "unique_visitors": 4,
        "booking_clicks": 2,
        "unique_clickers": 1,
        "chooser_suggestions": 1,
    },
    SECOND_PAGE: {
        "page_views": 5,
        "unique_visitors": 5,
        "booking_clicks": 2,
        "unique_clickers": 2,
        "chooser_suggestions": 1,
    },
    "": {
        "page_views": 0,
        "unique_visitors": 0,
        "booking_clicks": 1,
        "unique_clickers": 1,
        "chooser_suggestions": 0,
    },
}
# The whole site: the reader of both articles yesterday is one visitor.
SITE = {
    "page_views": 9,
    "unique_visitors": 8,
    "booking_clicks": 5,
    "unique_clickers": 4,
}


@pytest.fixture
def seeded(app):
    """Events on three pages over three days; the oldest day rolled and pruned."""
    today = calendar.today(practice_zone(app))
    older, yesterday = (today - datetime.timedelta(days=n) for n in (2, 1))
    # Two days ago: the second article's readers (rolled up, then pruned).
    record(
        app,
        [view(), click("article-end")],
        "10.0.0.1",
        when=at(app, older, 9),
        page=SECOND_PAGE,
    )
    record(app, [view()], "10.0.0.2", when=at(app, older, 10), page=SECOND_PAGE)
    # Yesterday: the home article's readers; one clicks twice (a repeat).
    record(app, [view(), click()], "10.0.0.3", when=at(app, yesterday, 10), page="/")
    record(app, [click()], "10.0.0.3", when=at(app, yesterday, 10, 5), page="/")
    record(
        app,
        [view(), chooser("medical")],
        "10.0.0.4",
        when=at(app, yesterday, 11),
        page="/",
    )
    record(app, [view()], "10.0.0.5", when=at(app, yesterday, 12), page="/")
    events = [view(), chooser("relaxation"), click("chooser-relaxation")]
    record(app, events, "10.0.0.6", when=at(app, yesterday, 13), page=SECOND_PAGE)
    # ... one reader of both articles, and a click whose link named none.
    record(app, [view()], "10.0.0.9", when=at(app, yesterday, 14), page="/")
    record(app, [view()], "10.0.0.9", when=at(app, yesterday, 15), page=SECOND_PAGE)
    record(app, [click()], "10.0.0.7", when=at(app, yesterday, 16), page="")
    # Today (live): one more reader of the second article.
    record(app, [view()], "10.0.0.8", when=at(app, today, 0, 30), page=SECOND_PAGE)
    db = connect(app.config["DATABASE"])
    try:
        assert rollups.prune(db, keep_days=2, today=today) == 3
        assert db.execute(
            "SELECT count(*) FROM events WHERE day = ?", [older.isoformat()]
        ).fetchone() == (0,)
    finally:
        db.conn.close()
    return today


def by_page(rows):
    """JSON article rows by page, with only the figures EXPECTED names."""
    keys = EXPECTED["/"].keys()
    return {row["page"]: {k: row[k] for k in keys} for row in rows}


def articles_table(html):
    """The Articles table's body rows as [label, numbers...] (text only)."""
    table = re.search(
        r'<table class="dash-table dash-articles">(.*?)</table>', html, re.S
    )
    assert table, "no Articles table"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(
            [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]
        )
    return rows


def test_the_json_gives_each_articles_numbers_and_totals_equal_the_site(
    seeded, owner_client
):
    data = owner_client.get("/stats.json?period=7d").get_json()
    assert data["article"] is None
    assert by_page(data["articles"]) == EXPECTED
    titles = {row["page"]: (row["article"], row["title"]) for row in data["articles"]}
    assert titles["/"] == ("medical-or-therapeutic-massage", HOME_TITLE)
    assert titles[SECOND_PAGE] == (SECOND, SECOND_TITLE)
    assert titles[""][0] is None
    for key, value in SITE.items():
        assert data["totals"][key] == data["articles_total"][key] == value
    # Counts add up over the articles; a reader of two is one visitor of the site.
    for key in ("page_views", "booking_clicks", "unique_clickers"):
        assert sum(row[key] for row in data["articles"]) == data["totals"][key]
    assert (
        sum(r["unique_visitors"] for r in data["articles"])
        == SITE["unique_visitors"] + 1
    )
    # A rolled and pruned day still counts to its article.
    older = (seeded - datetime.timedelta(days=2)).isoformat()
    day = owner_client.get(
        f"/stats.json?from={older}&to={older}&article={SECOND}"
    ).get_json()
    assert (day["totals"]["page_views"], day["totals"]["booking_clicks"]) == (2, 1)


def test_the_dashboard_shows_the_articles_table_with_the_sites_totals(
    seeded, owner_client
):
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    rows = articles_table(html)
    labels = [row[0] for row in rows]
    assert labels[0].startswith(HOME_TITLE) and labels[1].startswith(SECOND_TITLE)
    assert labels[2].startswith("No article")
    # Views, visitors, clicks, people who pressed, rate, chooser suggestions.
    assert rows[0][1:5] == ["4", "4", "2", "1"] and rows[0][6] == "1"
    assert rows[1][1:5] == ["5", "5", "2", "2"] and rows[1][6] == "1"
    assert rows[-1][:5] == ["All articles", "9", "8", "5", "4"]
    # Few visitors: every rate carries the rough-guide mark.
    assert rows[1][5] == "40.0% * (few visits: a rough guide)"
    assert f'href="{SECOND_PAGE}"' in html
    assert f'href="/stats?article={SECOND}&amp;period=7d"' in html


def test_with_one_article_and_only_its_events_there_is_no_table(
    database_path, owner_password
):
    app = make_app(database_path)
    record(app, [view(), click()], "10.0.0.1")
    client = app.test_client()
    log_in(client)
    assert 'class="dash-table dash-articles"' not in client.get("/stats").get_data(
        as_text=True
    )
    assert client.get("/stats.json").get_json()["articles"][0]["booking_clicks"] == 1


def test_narrowing_to_one_article_narrows_the_whole_dashboard(seeded, owner_client):
    data = owner_client.get(f"/stats.json?period=7d&article={SECOND}").get_json()
    assert data["article"] == SECOND
    for key, value in EXPECTED[SECOND_PAGE].items():
        if key in data["totals"]:
            assert data["totals"][key] == value, key
    assert [row["value"] for row in data["breakdowns"]["placement"]] == [
        "article-end",
        "chooser-relaxation",
    ]
    assert [row["outcome"] for row in data["chooser"]] == ["relaxation"]
    # The table and the whole site's totals stay, to compare and go back.
    assert by_page(data["articles"]) == EXPECTED
    assert data["articles_total"]["booking_clicks"] == SITE["booking_clicks"]

    for headers in ({}, {"HX-Request": "true"}):
        html = owner_client.get(
            f"/stats?period=7d&article={SECOND}", headers=headers
        ).get_data(as_text=True)
        assert f"Only the article “{SECOND_TITLE}”" in html
        assert f"<title>Your stats: Last 7 days, {SECOND_TITLE} |" in html
        # Period links, the range form and the downloads keep the article.
        assert f'href="/stats?period=30d&amp;article={SECOND}"' in html
        assert f'<input type="hidden" name="article" value="{SECOND}">' in html
        assert f"/stats/daily.csv?period=7d&amp;article={SECOND}" in html
        assert 'href="/stats?period=7d"' in html  # "See every article"


def test_a_bad_period_keeps_the_article_in_the_links(seeded, owner_client):
    response = owner_client.get(
        f"/stats?from=2025-03-09&to=2025-03-01&article={SECOND}"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'href="/stats?period=7d&amp;article={SECOND}"' in html
    assert f'<input type="hidden" name="article" value="{SECOND}">' in html


@pytest.mark.parametrize(
    "path", ["/stats", "/stats.json", "/stats/daily.csv", "/stats/events.csv"]
)
def test_an_unknown_article_gets_a_clear_message_never_a_500(
    seeded, owner_client, path
):
    response = owner_client.get(f"{path}?period=7d&article=no-such-thing")
    assert response.status_code == 404
    assert "There is no article with that name" in response.get_data(as_text=True)


def test_the_csv_files_narrow_to_the_article(seeded, owner_client):
    with owner_client.get(f"/stats/daily.csv?period=7d&article={SECOND}") as response:
        header, *days = csv_rows(response)
        assert f"daily-{SECOND}-" in response.headers["Content-Disposition"]
    for column in ("page_views", "booking_clicks"):
        index = header.index(column)
        assert sum(int(row[index]) for row in days) == EXPECTED[SECOND_PAGE][column]
    with owner_client.get(f"/stats/events.csv?period=7d&article={SECOND}") as response:
        header, *events = csv_rows(response)
    # Raw events only: two days ago is pruned (its numbers are in the rollups).
    assert {row[header.index("page")] for row in events} == {SECOND_PAGE}
    assert len(events) == 5
    with owner_client.get("/stats/events.csv?period=7d") as response:
        header, *events = csv_rows(response)
    assert {row[header.index("page")] for row in events} == {"/", SECOND_PAGE, ""}


def test_flask_stats_gives_each_article_and_narrows(seeded, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert by_page(data["articles"]) == EXPECTED
    assert data["booking_clicks"] == SITE["booking_clicks"]
    narrowed = json.loads(
        runner.invoke(args=["stats", "--json", "--article", SECOND]).output
    )
    assert narrowed["article"] == SECOND
    assert narrowed["booking_clicks"] == EXPECTED[SECOND_PAGE]["booking_clicks"]
    assert narrowed["page_views"] == EXPECTED[SECOND_PAGE]["page_views"]
    text = runner.invoke(args=["stats", "--article", SECOND]).output
    assert f"Only the article “{SECOND_TITLE}”." in text
    assert "By article" in text and HOME_TITLE in text
    wrong = runner.invoke(args=["stats", "--article", "no-such-thing"])
    assert wrong.exit_code == 2
    assert "There is no article with that name" in wrong.output
    assert SECOND in wrong.output and "Traceback" not in wrong.output


def _letter(app, clicks_home, clicks_second):
    """The weekly letter after ``clicks_*`` readers clicked on each article."""
    monday = letters.last_full_week(calendar.today(practice_zone(app)))
    tuesday = monday + datetime.timedelta(days=1)
    for n in range(clicks_home):
        record(
            app, [view(), click()], f"10.1.0.{n}", when=at(app, tuesday, 10), page="/"
        )
    for n in range(clicks_second):
        record(
            app,
            [view(), click()],
            f"10.2.0.{n}",
            when=at(app, tuesday, 11),
            page=SECOND_PAGE,
        )
    db = connect(app.config["DATABASE"])
    try:
        with app.app_context():
            return letters.build(db, monday, app.config).top_article
    finally:
        db.conn.close()


def test_the_letter_names_the_article_with_the_most_booking_clicks(app):
    words = f"Most booking clicks came from “{HOME_TITLE}”: 7 of 11"
    assert _letter(app, 7, 4) == words
    assert f"{words}.\n" in letter_text(app)


def test_the_letter_is_honest_about_few_clicks(app):
    words = _letter(app, 2, 1)
    assert words.startswith("Booking clicks by article:")
    assert "too few to say which brings more" in words


def test_the_letter_says_nothing_of_articles_when_one_has_clicks(app):
    assert _letter(app, 3, 0) == ""


def test_a_database_of_todays_schema_upgrades_and_its_numbers_are_the_homes(tmp_path):
    path = tmp_path / "before.db"
    db = connect(str(path))
    migrations.apply(db, stop_before="m018_daily_counts_by_page")
    db.execute("INSERT INTO rolled_days VALUES ('2025-03-17', 'x')")
    db.conn.executemany(
        "INSERT INTO daily_counts VALUES ('2025-03-17', ?, ?, ?, ?, ?)",
        [
            ("view", "total", "", 6, 5),
            ("click", "total", "", 3, 2),
            ("click", "hour", "09", 3, 2),
        ],
    )
    db.conn.commit()
    migrate(db)
    day = datetime.date(2025, 3, 17)
    site, home = reports.report(db, day, day), reports.report(db, day, day, "/")
    for report in (site, home):
        assert (report.page_views, report.unique_visitors) == (6, 5)
        assert (report.booking_clicks, report.unique_clickers) == (3, 2)
    assert list(site.pages) == ["/"]
    assert reports.report(db, day, day, SECOND_PAGE).booking_clicks == 0
    db.conn.close()
    # A fresh database has the same table as an upgraded one.
    fresh = sqlite3.connect(create_migrated_database(tmp_path / "fresh.db"))
    upgraded = sqlite3.connect(path)
    sql = "SELECT sql FROM sqlite_master WHERE tbl_name = 'daily_counts' ORDER BY name"
    assert fresh.execute(sql).fetchall() == upgraded.execute(sql).fetchall()


# --- What a review found (issue 32) -------------------------------------------


def test_narrowed_the_not_counted_tallies_say_they_are_every_articles(
    seeded, owner_client, app
):
    html = owner_client.get(f"/stats?period=7d&article={SECOND}").get_data(as_text=True)
    section = html[html.index('id="filtered-title"') :]
    section = section[: section.index("</section>")]
    assert "every article" in section
    whole = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert 'id="filtered-scope"' not in whole
    data = owner_client.get(f"/stats.json?period=7d&article={SECOND}").get_json()
    assert data["filtered_covers"] == "every article"
    assert "filtered_covers" not in owner_client.get("/stats.json").get_json()
    runner = app.test_cli_runner()
    cli = json.loads(
        runner.invoke(args=["stats", "--json", "--article", SECOND]).output
    )
    assert cli["filtered_covers"] == "every article"
    text = runner.invoke(args=["stats", "--article", SECOND]).output
    assert "Not counted (every article" in text
    assert "Not counted:" in runner.invoke(args=["stats"]).output


def _letter_of(app, clicks_by_page):
    """The weekly letter's top article after ``{page: clickers}`` on each page."""
    monday = letters.last_full_week(calendar.today(practice_zone(app)))
    tuesday = monday + datetime.timedelta(days=1)
    for index, (page, clicks) in enumerate(clicks_by_page.items()):
        for n in range(clicks):
            when = at(app, tuesday, 10 + index)
            record(app, [view(), click()], f"10.{index}.0.{n}", when=when, page=page)
    db = connect(app.config["DATABASE"])
    try:
        with app.app_context():
            return letters.build(db, monday, app.config).top_article
    finally:
        db.conn.close()


def test_the_letter_counts_two_articles_of_one_title_apart(database_path, tmp_path):
    folder = write_articles(tmp_path / "c")
    twin = (folder / "articles" / f"{SECOND}.md").read_text()
    (folder / "articles" / "twin.md").write_text(twin)
    app = make_app(database_path, CONTENT_DIR=str(folder))
    words = _letter_of(app, {"/": 6, SECOND_PAGE: 4, "/articles/twin": 4})
    # By title the two would add up to 8 and beat the home article's 6.
    assert words == f"Most booking clicks came from “{HOME_TITLE}”: 6 of 14"


def test_the_letter_names_each_of_two_same_titled_articles(database_path, tmp_path):
    folder = write_articles(tmp_path / "c")
    twin = (folder / "articles" / f"{SECOND}.md").read_text()
    (folder / "articles" / "twin.md").write_text(twin)
    app = make_app(database_path, CONTENT_DIR=str(folder))
    words = _letter_of(app, {SECOND_PAGE: 5, "/articles/twin": 5})
    assert words.count(SECOND_TITLE) == 2
    assert "/articles/twin" in words and SECOND_PAGE in words


def test_the_articles_table_links_each_article_where_the_site_serves_it(
    seeded, owner_client
):
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    rows = re.findall(
        r'<th scope="row" class="dash-table__label">(.*?)</th>', html, re.S
    )
    links = [re.search(r'href="([^"]+)"', row).group(1) for row in rows[:2]]
    assert links == ["/", SECOND_PAGE]
    # The current article's title comes from the site's own lookup, drafts too.
    with owner_client.application.test_request_context():
        from webapp.stats import articles

        assert articles.title_of(SECOND) == SECOND_TITLE
        assert articles.title_of("first-visit") == "What Your First Visit Is Like"
        assert articles.title_of("gone") == ""


def test_with_several_articles_the_words_do_not_speak_of_one(seeded, owner_client, app):
    html = owner_client.get("/stats?period=7d").get_data(as_text=True)
    assert "phone number on the article" not in html
    assert "phone number on your articles" in html
    assert '<h1 id="stats-title">What your articles bring</h1>' in html
    answer = owner_client.get("/stats.json").get_json()["answer"]
    assert answer == "Import your bookings to see what your articles bring in."
    text = app.test_cli_runner().invoke(args=["stats"]).output
    assert "phone number on your articles" in text
    monday = letters.last_full_week(seeded)
    record(
        app,
        [view(), {"kind": "call", "placement": "practice"}],
        "10.9.9.9",
        when=at(app, monday + datetime.timedelta(days=1), 10),
        page=SECOND_PAGE,
    )
    db = connect(app.config["DATABASE"])
    try:
        with app.app_context():
            letter = letters.build(db, monday, app.config)
    finally:
        db.conn.close()
    assert letter.calls.startswith("1 call from your articles")
    assert "the article's week" not in letter.subject
    assert "your articles' week" in letter.subject


def test_the_demo_spreads_readers_over_the_published_articles(app, database_path):
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--events", "2000", "--days", "10", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    db = connect(str(database_path))
    try:
        pages = dict(db.execute("SELECT page, count(*) FROM events GROUP BY page"))
    finally:
        db.conn.close()
    # The home article most, the second some, the draft none.
    assert set(pages) == {"/", SECOND_PAGE}
    assert pages["/"] > pages[SECOND_PAGE] > 0


def test_the_first_day_checklist_speaks_of_every_article(owner_client):
    html = owner_client.get("/stats").get_data(as_text=True)
    assert "No one has read your articles yet" in html
    assert "what your articles bring in" in html
