"""The readers' privacy page: in the owner's words, its figures from the settings."""

import re
import sqlite3

import pytest

from webapp import create_app
from webapp.site.content import ContentError, load_front_matter
from webapp.site.privacy import PRIVACY_FILE, load_privacy
from webapp.site.widget_content import load_widgets

from .conftest import PHONE, visit

WIDGETS = load_widgets()


def words(html):
    """The page's text, tags out, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_privacy_page_says_what_is_counted_and_what_never_is(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    text = words(response.get_data(as_text=True))
    for promise in (
        "page views",
        "clicks on a booking button",
        "No cookies",
        "No IP address",
        "browser description (user agent)",
        "Your answers to the guide",
        "kept for 760 days (about 25 months)",
        "Reach for Serenity runs this site",
        "our booking page",
    ):
        assert promise in text, promise


def test_the_retention_it_states_is_the_configured_one(database_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "RETENTION_DAYS": 1095,
            "PRACTICE_NAME": "Ana <b>&</b> Co",
            "PRACTICE_PHONE": "+1 555 0100",
        }
    )
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert "kept for 1,095 days (about 36 months)" in words(html)
    assert "760" not in html
    # The practice's name is text, never markup.
    assert "Ana &lt;b&gt;&amp;&lt;/b&gt; Co runs this site" in html
    assert '<a href="tel:+15550100">+1 555 0100</a>' in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/?aspect={WIDGETS.comparison.aspects[2].id}",
        f"/?technique={WIDGETS.techniques.items[0].id}",
        "/?show=suggestion",
        "/privacy",
        "/no-such-page",
        "/login",
    ],
)
def test_every_page_links_to_the_privacy_page_in_its_footer(client, path):
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    assert '<a href="/privacy">Privacy: what this site counts</a>' in footer


def test_reading_the_privacy_page_is_not_counted_and_sets_no_cookie(
    client, database_path
):
    response = visit(client, "/privacy", agent=PHONE)
    assert "Set-Cookie" not in response.headers
    with sqlite3.connect(database_path) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_the_sitemap_lists_the_privacy_page(client):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/</loc>" in sitemap
    assert "<loc>http://localhost/privacy</loc>" in sitemap
    assert "<lastmod>2026-12-01</lastmod>" in sitemap


def write(tmp_path, text):
    path = tmp_path / "privacy.md"
    path.write_text(text, encoding="utf-8")
    return path


CONFIG = {"RETENTION_DAYS": 760, "PRACTICE_NAME": "P"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "---\ntitle: T\nupdated: 2026-12-01\ndescription: D\n---\n"
            "Kept for {retention_years} years.\n",
            "the text uses {retention_years}; allowed here: {practice}, "
            "{retention_days}, {retention_months}, {example_day}",
        ),
        (
            "---\nupdated: 2026-12-01\ndescription: D\n---\nText.\n",
            "front matter key 'title' is missing or empty",
        ),
        (
            "---\ntitle: T\nupdated: soon\ndescription: D\n---\nText.\n",
            "front matter key 'updated' must be a date like 2025-03-18",
        ),
        (
            "---\ntitle: T\nupdated: 2026-12-01\ndescription: D\n---\n\n",
            "the page has no text",
        ),
    ],
)
def test_a_mistake_in_the_privacy_file_names_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as error:
        load_privacy(CONFIG, path)
    assert str(error.value) == f"{path}: {message}"


def test_the_shipped_privacy_file_loads_and_uses_the_retention():
    page = load_privacy(CONFIG, PRIVACY_FILE)
    assert "760 days (about" in words(page.html)
    assert "{" not in page.html


# Month names in English, for finding a date written by hand.
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|"
    "November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
HAND_WRITTEN_DATE = re.compile(
    rf"\b({MONTHS})\.? \d{{1,2}}\b"  # March 18
    rf"|\b\d{{1,2}} ({MONTHS})\b"  # 18 March
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"  # 3/18/2025, 2025-03-18
)


def test_the_shipped_privacy_text_writes_no_date_by_hand():
    post = load_front_matter(PRIVACY_FILE)
    assert HAND_WRITTEN_DATE.findall(post.content) == []
    for written in ("on March 18", "on 18 March", "on 3/18/2025"):
        assert HAND_WRITTEN_DATE.search(written), written
    assert "{example_day}" in post.content


@pytest.mark.parametrize(
    ("locale", "day"), [("en_US", "March 18"), ("en_GB", "18 March")]
)
def test_the_example_day_is_written_in_the_practices_locale(
    tmp_path, database_path, locale, day
):
    path = write(
        tmp_path,
        "---\ntitle: T\nupdated: 2025-03-18\ndescription: D\n---\n"
        "Totals such as 42 page views on {example_day}.\n",
    )
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "LOCALE": locale,
            "PRIVACY_FILE": str(path),
        }
    )
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert f"42 page views on {day}." in words(html)
