"""The chooser's suggestion in the practice's own terms (issue 30).

With the practice's details filled in, a suggestion of one kind of massage
names the practice's matching session (name, length, price) above its
booking button; the suggestions that ask the reader to wait offer the
practice's phone for questions; "get care today" offers neither. "Change my
answers" brings the form back filled in, the answers travelling in a POST
body only.
"""

import re

import pytest

from webapp.site.chooser_content import KINDS
from webapp.site.chooser_services import (
    matching_services,
    service_line,
    service_lines,
)
from webapp.site.practice import Practice, Service

from .conftest import create_migrated_database, make_app
from .practice_data import FILLED_PRACTICE, filled_practice_app, write_practice
from .test_chooser import CHOOSER, HTMX, answers, text
from .test_chooser_page import noted

MEDICAL = answers("problem", "yes", goal="relief")
THERAPEUTIC = answers("stress", "no", goal="relax")
PROVIDER_FIRST = answers("upkeep", "no", "blood-thinners", goal="move")
ANOTHER_DAY = answers("upkeep", "no", "fever", goal="move")
CARE_TODAY = answers("problem", "yes", "limb", goal="relief")
CHANGE = {"show": "answers"}
PATHS = pytest.mark.parametrize("path", ["/", "/widgets/chooser"])


@pytest.fixture
def filled(tmp_path):
    """A test client of the site with every practice detail filled in."""
    return filled_practice_app(tmp_path / "practice").test_client()


def practice_app(tmp_path, text):
    """A test client of the site with ``text`` as its practice.yaml."""
    folder = tmp_path / "practice"
    folder.mkdir()
    return make_app(
        create_migrated_database(folder / "site.db"),
        PRACTICE_FILE=str(write_practice(folder, text)),
    ).test_client()


def result_html(response):
    """The chooser's result: from its opening tag to the chooser's status region."""
    html = response.get_data(as_text=True)
    start = html.find('id="chooser-result"')
    end = html.find('id="chooser-status"', start)
    assert -1 < start < end
    return html[start:end]


def post(client, path, data):
    """Post the chooser's answers as the page's form or as htmx."""
    return client.post(path, data=data, headers=HTMX if "widgets" in path else {})


# --- The practice's sessions ----------------------------------------------------


@PATHS
@pytest.mark.parametrize(
    ("given", "line", "button"),
    [
        (MEDICAL, "Medical massage · 90 minutes · $132.50", "chooser-medical"),
        (THERAPEUTIC, "Therapeutic massage · 60 minutes · $90", "chooser-therapeutic"),
    ],
)
def test_the_suggestion_names_the_practice_session_above_its_button(
    filled, path, given, line, button
):
    response = post(filled, path, given)
    assert response.status_code == 200
    result = result_html(response)
    assert f"<li>{line}</li>" in result
    # Only the session suggested, and above the button that books it.
    assert result.count("recommendation__services") == 1
    assert result.index(line) < result.index(f'href="/book?from={button}"')
    other = "Therapeutic" if button == "chooser-medical" else "Medical massage ·"
    assert other not in result


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("Medical massage", True),
        ("MEDICAL MASSAGE", True),
        ("Deep medical massage (sports)", True),
        ("Massage", False),
        ("Medical", False),
        ("Hot stone", False),
    ],
)
def test_a_service_matches_when_its_name_holds_the_outcome_name(name, matches):
    service = Service(name=name)
    found = matching_services((service,), CHOOSER.outcomes["medical"])
    assert found == ((service,) if matches else ())


def test_a_session_line_shows_only_what_is_filled_in():
    practice = Practice(currency="USD")
    assert service_line(practice, Service(name="Medical massage")) == (
        "Medical massage"
    )
    assert service_line(practice, Service(name="Medical massage", minutes=45)) == (
        "Medical massage · 45 minutes"
    )
    free = Service(name="Medical massage", price=0)
    assert service_line(practice, free) == "Medical massage · $0"


def test_the_safety_tiers_name_no_session():
    practice = Practice(services=[{"name": "Medical massage", "price": 90}])
    for outcome_id in ("care-today", "another-day", "provider-first"):
        assert service_lines(practice, CHOOSER.outcomes[outcome_id]) == []
    for kind in KINDS:
        # Each kind's own name picks its session (or none).
        assert len(service_lines(practice, CHOOSER.outcomes[kind])) == (
            kind == "medical"
        )


@PATHS
def test_without_a_matching_session_the_suggestion_is_as_before(tmp_path, path):
    unmatched = FILLED_PRACTICE.replace("Medical massage", "Hot stone")
    client = practice_app(tmp_path, unmatched)
    result = result_html(post(client, path, MEDICAL))
    assert "recommendation__services" not in result
    assert "Hot stone" not in result
    assert 'href="/book?from=chooser-medical"' in result


def test_without_any_session_no_line_is_shown(client):
    result = result_html(post(client, "/widgets/chooser", MEDICAL))
    assert "recommendation__services" not in result
    assert 'href="/book?from=chooser-medical"' in result


# --- "Questions? Call <the practice>" ---------------------------------------------


@PATHS
@pytest.mark.parametrize(
    ("given", "outcome"),
    [(PROVIDER_FIRST, "provider-first"), (ANOTHER_DAY, "another-day")],
)
def test_waiting_to_book_offers_the_practice_phone(filled, path, given, outcome):
    response = post(filled, path, given)
    result = result_html(response)
    assert CHOOSER.outcomes[outcome].title in text(response)
    prompt = re.search(r"<p [^>]*data-call-prompt[^>]*>(.*?)</p>", result, re.S)
    assert prompt, "no call prompt"
    assert re.sub(r"<[^>]+>", "", prompt.group(1)) == (
        "Questions? Call Calm Hands Massage: +1 555 0100"
    )
    assert (
        f'<a href="tel:+15550100" data-call="/call?from=chooser-{outcome}">'
        in prompt.group(1)
    )
    # Waiting is no suggestion of a session.
    assert "recommendation__services" not in result


@pytest.mark.parametrize("given", [MEDICAL, THERAPEUTIC])
def test_a_suggestion_to_book_now_has_no_call_prompt(filled, given):
    assert "data-call-prompt" not in result_html(post(filled, "/", given))


@PATHS
def test_without_a_phone_there_is_no_call_prompt(tmp_path, path):
    client = practice_app(tmp_path, FILLED_PRACTICE.replace("phone: +1 555 0100\n", ""))
    for given in (PROVIDER_FIRST, ANOTHER_DAY):
        result = result_html(post(client, path, given))
        assert "data-call-prompt" not in result
        assert "tel:" not in result
        assert "/book?from=chooser-" in result


@PATHS
def test_get_care_today_offers_no_booking_call_or_session(filled, path):
    response = post(filled, path, CARE_TODAY)
    result = result_html(response)
    assert CHOOSER.outcomes["care-today"].title in text(response)
    assert "/book?" not in result
    assert "data-call-prompt" not in result and "data-call=" not in result
    assert "tel:+15550100" not in result
    assert "recommendation__services" not in result
    assert 'data-current="care-today"' in result
    # The emergency number stays, and so does the way back to the answers.
    assert '<a href="tel:911">911</a>' in result
    assert "Change my answers" in result


# --- "Change my answers" -----------------------------------------------------------


def checked_ids(html):
    """The ids of the chooser's checked answers, in page order."""
    return re.findall(r'<input [^>]*id="chooser-([a-z-]+)"[^>]*\bchecked\b', html)


def expected_ids(given):
    """The ids ``checked_ids`` finds for a set of answers, in the questions' order."""
    ids = []
    for question in CHOOSER.questions:
        values = given[question.id]
        values = [values] if isinstance(values, str) else values
        ids += [f"{question.id}-{value}" for value in values]
    return ids


@pytest.mark.parametrize("given", [MEDICAL, PROVIDER_FIRST, CARE_TODAY])
def test_change_my_answers_sends_the_chooser_form_in_a_post_body(filled, given):
    result = result_html(post(filled, "/widgets/chooser", given))
    button = re.search(r"<button ([^>]*)>Change my answers</button>", result)
    assert button, "no Change my answers button"
    # It sends the chooser's own form (the answers it shows): no second form,
    # no copy of the answers, and none of them in the address it posts to.
    attributes = button.group(1)
    assert 'type="submit" form="chooser-form"' in attributes
    assert 'formaction="/widgets/chooser"' in attributes
    assert 'name="show" value="answers"' in attributes
    assert "<form" not in result
    assert 'type="hidden"' not in result


def test_without_javascript_change_my_answers_lands_on_the_chooser(filled):
    # The fragment's address sends a browser without htmx on to the page, the
    # answers posted again (307), the page's state kept in the address.
    given = {**MEDICAL, **CHANGE}
    path = "/widgets/chooser?aspect=training&utm_source=news"
    response = filled.post(path, data=given)
    assert response.status_code == 307
    assert response.headers["Location"] == ("/?aspect=training&utm_source=news#chooser")
    # A suggestion's post still lands on the result.
    response = filled.post("/widgets/chooser", data=MEDICAL)
    assert response.headers["Location"] == "/#chooser-result"
    page = filled.post("/?aspect=training&utm_source=news", data=given)
    assert checked_ids(page.get_data(as_text=True)) == expected_ids(MEDICAL)


@PATHS
@pytest.mark.parametrize("given", [MEDICAL, PROVIDER_FIRST, CARE_TODAY])
def test_change_my_answers_brings_the_form_back_filled_in(filled, path, given):
    response = post(filled, path, {**given, **CHANGE})
    # The form itself, not a redirect: nothing of the answers goes in an address.
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "HX-Push-Url" not in response.headers
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert checked_ids(html) == expected_ids(given)
    # No suggestion and nothing to fix: the reader is changing the answers.
    words = text(response)
    assert "Our suggestion" not in words
    assert CHOOSER.errors.title not in words
    assert "/book?from=chooser-" not in html
    # Focus goes to the first question's answer (htmx and the browser both
    # focus [autofocus]); only there.
    assert html.count(" autofocus") == 1
    assert re.search(
        f'id="chooser-reason-{given["reason"]}"[^>]*checked autofocus', html
    )


def test_change_my_answers_is_not_counted_as_a_suggestion(filled):
    assert noted(filled, "/widgets/chooser", {**MEDICAL, **CHANGE}, **HTMX) == []
    assert noted(filled, "/", {**MEDICAL, **CHANGE}) == []


def test_change_my_answers_drops_answers_that_are_not_choices(filled):
    crafted = {**MEDICAL, "reason": "<b>nope</b>", **CHANGE}
    response = post(filled, "/widgets/chooser", crafted)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "nope" not in html
    assert checked_ids(html) == expected_ids({**MEDICAL, "reason": ()})
    # No answer to the first question: its first answer takes the focus.
    assert re.search(r'id="chooser-reason-problem"[^>]* autofocus', html)


def test_a_page_without_change_my_answers_focuses_nothing(filled):
    assert " autofocus" not in filled.get("/").get_data(as_text=True)
    assert " autofocus" not in post(filled, "/", MEDICAL).get_data(as_text=True)
