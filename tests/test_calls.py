"""POST /call: a press on the practice's phone number, counted like a booking click.

The phone links stay plain ``tel:`` links; with JavaScript a press also sends
a beacon here (static/js/site.js; tests/browser/test_calls_browser.py). Only
our own page's beacon from a reader counts: a GET, a bot, another site, a
script and the owner are answered alike and only tallied.
"""

import re
from html import unescape

import pytest

from .conftest import DESKTOP, GOOGLEBOT, OLD_PHONE, PHONE, log_in, visit
from .practice_data import filled_practice_app
from .test_chooser import CARE_TODAY, TIER_OF, answers
from .test_tracking import rows, tallies, todays_report

# What Chromium sends with the page's navigator.sendBeacon to its own origin.
BEACON = {
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "no-cors",
    "Sec-Fetch-Dest": "empty",
    "Origin": "http://localhost",
}
# The emergency number the chooser's "get care today" outcome gives.
EMERGENCY_HREF = "tel:911"


def beacon(client, query="?from=practice", agent=PHONE, headers=BEACON):
    """POST the call beacon with exactly ``headers``; the response closed."""
    return visit(
        client,
        "/call" + query,
        agent=agent,
        method="post",
        metadata=None,
        headers=headers,
    )


def calls(database_path):
    """The stored calls, oldest first."""
    return rows(database_path, "SELECT * FROM events WHERE kind = 'call' ORDER BY id")


# --- Counted ----------------------------------------------------------------------


def test_our_pages_beacon_is_one_call_at_its_placement(client, database_path):
    response = beacon(client, "?from=footer")
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == b""
    stored = calls(database_path)
    assert [(c["placement"], c["page"], c["repeat"]) for c in stored] == [
        ("footer", "/", 0)
    ]
    assert tallies(database_path) == {}


@pytest.mark.parametrize("query", ["", "?from=", "?from=sidebar", "?from=<b>"])
def test_an_unknown_placement_is_counted_as_unknown(client, database_path, query):
    assert beacon(client, query).status_code == 204
    assert [c["placement"] for c in calls(database_path)] == ["unknown"]


def test_an_old_browser_without_fetch_metadata_counts_with_our_origin(
    client, database_path
):
    response = beacon(client, agent=OLD_PHONE, headers={"Origin": "http://localhost"})
    assert response.status_code == 204
    assert len(calls(database_path)) == 1


def test_a_second_call_within_thirty_minutes_is_a_call_not_a_new_caller(
    client, database_path
):
    beacon(client)
    beacon(client, "?from=footer")
    beacon(client, agent=DESKTOP)  # another reader
    assert [c["repeat"] for c in calls(database_path)] == [0, 1, 0]
    report = todays_report(client.application)
    assert (report.calls, report.unique_callers) == (3, 2)
    # Calls are not booking clicks, nor the other way round.
    visit(client, "/book?from=header")
    report = todays_report(client.application)
    assert (report.booking_clicks, report.unique_clickers) == (1, 1)
    assert (report.calls, report.unique_callers) == (3, 2)


# --- Not counted --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_get_or_head_is_refused_and_never_counted(client, database_path, method):
    response = visit(client, "/call?from=practice", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert calls(database_path) == []
    assert tallies(database_path) == {}


@pytest.mark.parametrize(
    ("agent", "headers", "reason"),
    [
        (GOOGLEBOT, BEACON, "bot"),
        (
            PHONE,
            {
                **BEACON,
                "Sec-Fetch-Site": "cross-site",
                "Origin": "https://evil.example",
            },
            "embedded",
        ),
        (PHONE, {**BEACON, "Sec-Fetch-Site": "same-site"}, "embedded"),
        (OLD_PHONE, {"Origin": "https://evil.example"}, "embedded"),
        (OLD_PHONE, {"Origin": "null"}, "embedded"),
        (OLD_PHONE, {}, "embedded"),
        (PHONE, {"Origin": "http://localhost"}, "posing"),
    ],
    ids=[
        "bot",
        "another site",
        "a sibling site",
        "another site's origin, no metadata",
        "a sandboxed frame",
        "a script without origin",
        "a browser without its metadata",
    ],
)
def test_a_call_not_from_a_reader_on_our_page_is_answered_but_only_tallied(
    client, database_path, agent, headers, reason
):
    response = beacon(client, agent=agent, headers=headers)
    assert response.status_code == 204
    assert calls(database_path) == []
    assert tallies(database_path) == {(reason, "call"): 1}


def test_the_owners_own_call_is_not_counted(app, client, database_path, owner_password):
    log_in(client, owner_password)
    assert beacon(client).status_code == 204
    assert calls(database_path) == []
    assert tallies(database_path) == {("owner", "call"): 1}


def test_a_body_over_one_kilobyte_is_refused_unread(client, database_path):
    response = client.post(
        "/call?from=practice", data=b"x" * 1025, headers={"User-Agent": PHONE, **BEACON}
    )
    assert response.status_code == 413
    assert calls(database_path) == []


def test_a_small_body_is_fine_and_needs_no_csrf_token(client, database_path):
    response = client.post(
        "/call?from=practice",
        data=b"x" * 100,
        headers={"User-Agent": PHONE, "Content-Type": "text/plain", **BEACON},
    )
    response.close()
    assert response.status_code == 204
    assert len(calls(database_path)) == 1


# --- The links on the article -------------------------------------------------------


def tel_links(html):
    """Every ``tel:`` link on a page: (href, the beacon address or None)."""
    links = []
    for tag in re.findall(r"<a\b[^>]*\bhref=\"tel:[^>]*>", html):
        href = unescape(re.search(r'href="([^"]*)"', tag).group(1))
        beacon_url = re.search(r'data-call="([^"]*)"', tag)
        links.append((href, unescape(beacon_url.group(1)) if beacon_url else None))
    return links


def test_every_phone_link_is_the_practices_number_and_sends_a_beacon(tmp_path):
    html = filled_practice_app(tmp_path).test_client().get("/").get_data(as_text=True)
    links = tel_links(html)
    practice = [link for link in links if link[0] != EMERGENCY_HREF]
    assert practice, "the filled-in practice shows its phone"
    assert {href for href, _ in practice} == {"tel:+15550100"}
    assert sorted(url for _, url in practice) == [
        "/call?from=footer",
        "/call?from=practice",
    ]
    # The emergency number is never a practice call.
    assert all(url is None for href, url in links if href == EMERGENCY_HREF)


def test_the_emergency_number_is_never_a_practice_call(tmp_path):
    care_today = next(a for (_q, a), tier in TIER_OF.items() if tier == CARE_TODAY)
    given = answers("problem", "yes", care_today, goal="relief")
    client = filled_practice_app(tmp_path).test_client()
    response = client.post("/", data=given)  # the chooser without JavaScript
    assert response.status_code == 200
    links = tel_links(response.get_data(as_text=True))
    assert (EMERGENCY_HREF, None) in links  # the outcome gives 911, no beacon
    practice = [link for link in links if link[0] != EMERGENCY_HREF]
    assert practice and all(href == "tel:+15550100" for href, _ in practice)
    assert all(url and url.startswith("/call?from=") for _, url in practice)


def test_the_privacy_pages_phone_is_plain(tmp_path):
    client = filled_practice_app(tmp_path).test_client()
    html = client.get("/privacy").get_data(as_text=True)
    links = tel_links(html)
    assert links, "the privacy page shows the phone"
    assert all(href == "tel:+15550100" and url is None for href, url in links)


def test_without_a_phone_there_is_no_phone_link(client):
    assert tel_links(client.get("/").get_data(as_text=True)) == []


# --- What the owner reads ---------------------------------------------------------


def test_the_owners_command_shows_calls_and_people_who_called(
    client, runner, database_path
):
    beacon(client)
    beacon(client, "?from=footer")  # a repeat: a call, not a new caller
    output = runner.invoke(args=["stats"]).output
    calls_line = next(line for line in output.splitlines() if "Calls" in line)
    assert calls_line.split()[:2] == ["Calls", "2"]
    people = next(line for line in output.splitlines() if "People who called" in line)
    assert people.split()[3] == "1"
    assert "a number dialled by hand is not counted" in output
