"""The owner's landing page: this week's headline numbers, the owner excluded."""

from datetime import timedelta

from webapp.core import calendar
from webapp.core.db import connect
from webapp.stats import reports

from .conftest import (
    HEADLINES,
    PHONE,
    READER_ENVIRON,
    csrf_token_from,
    headlines,
    log_in,
)


def _click(app, address, agent=PHONE, client=None):
    """A booking click from a reader at ``address``."""
    client = client or app.test_client()
    client.environ_base.update(
        READER_ENVIRON, REMOTE_ADDR=address, HTTP_USER_AGENT=agent
    )
    response = client.get("/book?from=header")
    response.close()
    assert response.status_code == 302


def test_stats_page_counts_readers_clicks_but_not_the_owners(app, owner_password):
    _click(app, "192.0.2.10")
    _click(app, "192.0.2.11")
    owner = app.test_client()
    owner.environ_base.update(
        READER_ENVIRON, REMOTE_ADDR="192.0.2.99", HTTP_USER_AGENT=PHONE
    )
    log_in(owner, owner_password)
    _click(app, "192.0.2.99", client=owner)

    html = owner.get("/stats").get_data(as_text=True)
    numbers = headlines(html)
    assert numbers["Booking clicks"] == "2"
    assert numbers["People who pressed a booking button"] == "2"
    assert numbers["Page views"] == "0"
    # No visitors yet: no rate to show, rather than a made-up 0 %.
    assert "n/a" in numbers["Click-through rate"]
    assert numbers["Click-through rate"] == "n/a"


def test_stats_page_agrees_with_the_stats_module(app, owner_client):
    for address in ("192.0.2.20", "192.0.2.21", "192.0.2.21"):
        _click(app, address)
    html = owner_client.get("/stats").get_data(as_text=True)
    numbers = headlines(html)
    with app.app_context():
        today = calendar.today()
        db = connect(app.config["DATABASE"])
        try:
            report = reports.report(db, today - timedelta(days=6), today).totals()
        finally:
            db.conn.close()
    assert report["booking_clicks"] == 3
    for label, key in HEADLINES.items():
        assert numbers[label] == f"{report[key]:,}", label
    assert "Last 7 days" in html


def test_signing_out_brings_the_owners_clicks_back_into_the_count(app, owner_client):
    token = csrf_token_from(owner_client.get("/stats").get_data(as_text=True))
    owner_client.post("/logout", data={"csrf_token": token})
    _click(app, "192.0.2.30", client=owner_client)
    fresh = app.test_client()
    log_in(fresh)
    assert (
        headlines(fresh.get("/stats").get_data(as_text=True))["Booking clicks"] == "1"
    )
