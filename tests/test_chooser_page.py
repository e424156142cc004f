"""The chooser on the page: its POST flow, what is counted, one health message.

The answers come only in POST bodies (the page's form without JavaScript,
htmx's with it); the suggestion is counted, never the answers.
"""

import re

import pytest

from .conftest import HOSTILE_STRINGS, OLD_PHONE, PHONE, visit
from .test_chooser import (
    CARE_TODAY,
    CHOOSER,
    HTMX,
    RED_FLAGS,
    TIER_OF,
    TIERS,
    answers,
    question_of,
    text,
)
from .test_tracking import rows, tallies

# --- The page and the fragment ----------------------------------------------------


@pytest.mark.parametrize(
    ("given", "outcome"),
    [
        (answers("problem", "yes", goal="relief"), "medical"),
        (answers("stress", "yes", goal="relax"), "therapeutic"),
        (answers("upkeep", "no", "blood-thinners", goal="move"), "provider-first"),
        (answers("upkeep", "no", "fever", goal="move"), "another-day"),
    ],
)
def test_without_javascript_the_page_answers_a_post(client, given, outcome):
    response = client.post("/", data=given)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CHOOSER.outcomes[outcome].title in text(response)
    assert f'href="/book?from=chooser-{outcome}"' in html
    # Nothing of the answers is kept by a cache, and the form keeps them ticked.
    assert "no-store" in response.headers["Cache-Control"]
    for key, values in given.items():
        for value in (values,) if isinstance(values, str) else values:
            assert re.search(f'id="chooser-{key}-{value}"[^>]*checked', html)


@pytest.mark.parametrize(
    "given",
    [
        {"reason": "problem", "referral": "maybe"},
        {"show": "suggestion"},
        {**answers(), "health": []},
        {**answers(), "reason": "<script>alert(1)</script>"},
    ],
)
def test_bad_answers_rerender_the_form_with_a_clear_message(client, given):
    response = client.post("/", data=given)
    assert response.status_code == 422
    words = text(response)
    assert CHOOSER.errors.title in words
    assert "Our suggestion" not in words
    html = response.get_data(as_text=True)
    assert "/book?from=chooser-" not in html
    assert "<script>alert" not in html


def test_no_health_tick_says_to_tick_one_or_none_of_these(client):
    response = client.post("/", data={**answers(), "health": []})
    assert CHOOSER.errors.missing_multiple in text(response)
    html = response.get_data(as_text=True)
    # The summary links to the question's first answer; its boxes are invalid,
    # the answered questions' are not; the title says there is an error.
    assert 'href="#chooser-health-surgery"' in html
    invalid = re.findall(r'id="chooser-([a-z]+)-[a-z-]+"[^>]*aria-invalid="true"', html)
    health = CHOOSER.question("health")
    assert set(invalid) == {"health"} and len(invalid) == len(health.answers)
    assert re.search(r"<title>Error: [^<]+</title>", html)
    # htmx's answer carries the same title, and a fixed form takes it away.
    fragment = client.post(
        "/widgets/chooser", data={**answers(), "health": []}, headers=HTMX
    )
    assert fragment.get_data(as_text=True).lstrip().startswith("<title>Error: ")
    fixed = client.post("/widgets/chooser", data=answers(), headers=HTMX)
    title = re.match(r"\s*<title>([^<]+)</title>", fixed.get_data(as_text=True))
    assert title and not title.group(1).startswith("Error")


@pytest.mark.parametrize("flag", RED_FLAGS)
def test_htmx_fragment_for_each_red_flag(client, flag):
    given = answers("problem", "yes", flag, goal="relief")
    response = client.post("/widgets/chooser", data=given, headers=HTMX)
    assert response.status_code == 200
    words = text(response)
    tier = TIER_OF[question_of(flag), flag]
    assert f"Our suggestion: {CHOOSER.outcomes[tier].title}." in words
    assert CHOOSER.question(question_of(flag)).get(flag).reason in words
    html = response.get_data(as_text=True)
    # Get care today: no booking link at all; the others book later.
    if tier == CARE_TODAY:
        assert "/book?" not in html and "call 911 now" in words
        assert '<a href="tel:911">911</a>' in html
    else:
        assert f'href="/book?from=chooser-{tier}"' in html
    # The URL is left as it is: no answer goes into the address bar or history.
    assert "HX-Push-Url" not in response.headers
    assert "no-store" in response.headers["Cache-Control"]


def test_htmx_fragment_with_bad_answers_is_the_form_and_a_422(client):
    given = {"reason": "problem", "referral": "perhaps", "recent": "no"}
    response = client.post("/widgets/chooser", data=given, headers=HTMX)
    assert response.status_code == 422
    words = text(response)
    assert CHOOSER.errors.invalid in words
    assert CHOOSER.errors.missing in words
    assert CHOOSER.errors.missing_multiple in words
    assert CHOOSER.status_error in words


def test_answers_in_an_address_are_never_read(client):
    old = "reason=problem&referral=yes&health=pregnant&goal=relief&today=none"
    response = client.get(f"/?{old}")
    assert response.status_code == 200
    assert "Our suggestion" not in text(response)
    assert "checked" not in response.get_data(as_text=True)
    # The fragment's old GET address leads to the page, the answers dropped.
    response = client.get(f"/widgets/chooser?{old}&utm_source=news")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?utm_source=news#chooser-result"


def test_a_post_to_the_fragment_without_htmx_is_sent_on_to_the_page(client):
    given = answers("stress", goal="relax")
    response = client.post("/widgets/chooser", data=given)
    assert response.status_code == 307  # the browser posts the same body again
    assert response.headers["Location"] == "/#chooser-result"
    # What the browser then posts to the page is answered there.
    response = client.post("/", data=given)
    assert CHOOSER.outcomes["therapeutic"].title in text(response)


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
@pytest.mark.parametrize("path", ["/", "/widgets/chooser"])
def test_malformed_posts_never_give_a_500(client, path, value):
    for data in ({"reason": value}, {"health": [value] * 50}, {value: value}):
        response = client.post(path, data=data, headers=HTMX)
        assert response.status_code in (200, 422)
        assert b"Traceback" not in response.data
    response = client.post(path, data=b"\xff\xfe%%%", content_type="text/plain")
    assert response.status_code < 500


# --- What is counted: the suggestion, never the answers ----------------------------


def noted(client, path, data, **headers):
    """The widget uses one POST, a reader's from our page, stored."""
    database = client.application.config["DATABASE"]
    before = len(rows(database))
    visit(client, path, method="post", data=data, headers=headers)
    return [(row["widget"], row["detail"]) for row in rows(database)[before:]]


@pytest.mark.parametrize("path", ["/", "/widgets/chooser"])
def test_a_suggestion_is_counted_once_per_post(client, path):
    given = answers("stress", "no", "pregnant", goal="relax")
    assert noted(client, path, given, **HTMX) == [("chooser", "provider-first")]
    assert noted(client, path, {"reason": "problem"}, **HTMX) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://stuffing.example"},
        {"Origin": "null"},
    ],
)
def test_another_sites_posts_are_answered_but_not_counted(
    client, database_path, headers
):
    given = answers("stress", goal="relax")
    # Without Fetch Metadata only an old browser is a possible reader.
    agent = PHONE if "Sec-Fetch-Site" in headers else OLD_PHONE
    post = {"method": "post", "data": given, "headers": headers, "metadata": None}
    response = visit(client, "/", agent, **post)
    assert CHOOSER.outcomes["therapeutic"].title in text(response)
    assert rows(database_path) == []
    assert tallies(database_path) == {("embedded", "widget"): 1}
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    visit(client, "/", method="post", data=given, headers=same)
    assert [(r["widget"], r["detail"]) for r in rows(database_path)] == [
        ("chooser", "therapeutic")
    ]


def test_answers_never_reach_the_database_or_the_logs(client, database_path, caplog):
    secret_ids = ("pregnant", "blood-thinners", "surgery")
    given = answers(
        "problem", "yes", "surgery", ("pregnant", "blood-thinners"), goal="relief"
    )
    with caplog.at_level("DEBUG"):
        visit(client, "/", method="post", data=given)
        visit(client, "/widgets/chooser", method="post", data=given, headers=HTMX)
    stored = b"".join(
        path.read_bytes()
        for path in database_path.parent.iterdir()
        if path.name.startswith(database_path.name)
    )
    assert b"provider-first" in stored  # the outcome is counted...
    for secret in secret_ids:  # ...and nothing of what led to it
        assert secret.encode() not in stored
        assert secret not in caplog.text


# --- The page says one thing ---------------------------------------------------------


def test_the_health_note_and_every_suggestion_agree(client):
    from webapp.site.article import load_article

    note = load_article().health_note.lower()
    # The readers the note sends to a healthcare provider first, the chooser
    # sends there too (or somewhere more cautious).
    for words, answer in (
        ("recent surgery", "surgery"),
        ("pregnant", "pregnant"),
        ("blood thinners", "blood-thinners"),
    ):
        assert words in note
        tier = TIER_OF[question_of(answer), answer]
        assert TIERS.index(tier) <= TIERS.index("provider-first")
    assert "healthcare provider" in note
    # The medical suggestion keeps the article's own hedge.
    medical = CHOOSER.outcomes["medical"]
    assert "might be the better choice" in medical.summary
    response = client.post("/", data=answers("problem", "yes", goal="relief"))
    shown = text(response)
    assert medical.next_step in shown and load_article().health_note in shown
