"""The first day: until a reader views the article, the dashboard is a checklist."""

import re
from html import unescape

from webapp.tracking.vocabulary import CLICK, VIEW

from .conftest import GOOGLEBOT, record, visit
from .test_click_to_client import add_batch, ago
from .test_dashboard import reader

STEPS = re.compile(
    r'<li class="dash-step( dash-step--done)?">\s*<p class="dash-step__title">'
    r'<span class="dash-step__mark" aria-hidden="true"></span>([^<]+)'
)


def steps(html):
    """The checklist's steps: title -> ticked."""
    return {unescape(title): bool(done) for done, title in STEPS.findall(html)}


def test_an_empty_database_shows_the_checklist_and_no_chart(app, owner_client):
    html = owner_client.get("/stats").get_data(as_text=True)
    assert "Your first steps" in html
    assert list(steps(html)) == [
        "Share your article’s link",
        "Fill in “Before you book”",
        "Import your bookings",
        "Set up the weekly letter",
    ]
    assert not steps(html)["Import your bookings"]
    assert not steps(html)["Set up the weekly letter"]
    # The link to share, in a field the owner can select without JavaScript.
    link = re.search(r'<input id="article-link"[^>]*>', html).group(0)
    assert "readonly" in link and 'value="http' in link
    # No wall of zeros: no chart, heatmap, headline tiles or period picker.
    for absent in ("<svg", "heat-table", "owner-totals", "dash-table", "period-7d"):
        assert absent not in html, absent


def test_steps_are_ticked_from_what_the_site_knows(app, owner_client, database_path):
    add_batch(database_path, [{"day": ago(app, 1), "price_cents": 9000}])
    app.config.update(
        MAIL_SERVER="smtp.example.com",
        MAIL_DEFAULT_SENDER="site@example.com",
        DIGEST_TO="owner@example.com",
    )
    html = owner_client.get("/stats").get_data(as_text=True)
    assert steps(html)["Import your bookings"] is True
    assert steps(html)["Set up the weekly letter"] is True
    assert "Import your bookings (done)" in unescape(re.sub(r"<[^>]+>", "", html))


def test_requests_not_counted_do_not_end_the_checklist(app, owner_client):
    visit(reader(app, "203.0.113.9"), "/", agent=GOOGLEBOT)
    visit(owner_client, "/")
    assert "Your first steps" in owner_client.get("/stats").get_data(as_text=True)
    # A reader's click is counted: the dashboard shows it.
    record(app, [{"kind": CLICK, "placement": "footer"}], "203.0.113.9")
    assert "Your first steps" not in owner_client.get("/stats").get_data(as_text=True)


def test_the_first_page_view_ends_the_checklist(app, owner_client):
    record(app, [{"kind": VIEW}], "203.0.113.9")
    html = owner_client.get("/stats?period=month").get_data(as_text=True)
    assert "Your first steps" not in html
    assert 'id="dash-answer"' in html
    assert "Import your bookings to see what the article brings in." in html
    # Empty sections are one line each.
    assert "No booking clicks in this period: nothing to split" in html
    assert "heat-table" not in html
    assert "Nothing was left out in this period." in html
