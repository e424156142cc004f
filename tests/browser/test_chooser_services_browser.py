"""The chooser's suggestion in the practice's own terms, in a real browser (issue 30).

With the practice's details filled in: the suggestion names the practice's
session above its booking button, "Change my answers" brings the form back
with the answers checked (focus on the first question with JavaScript), and
"talk to your healthcare provider first" offers the practice's phone. With
JavaScript on and off, and to axe.
"""

import re

import pytest
from playwright.sync_api import expect

from ..practice_data import filled_practice_app
from .conftest import axe_violations, page_without_scripts
from .test_calls_browser import open_article, phone_link, stored
from .test_chooser_safety_browser import (
    CHOOSER,
    MEDICAL,
    OUTCOMES,
    TIERS,
    answer,
    expect_outcome,
    submit,
    ticked,
)
from .test_embedding_browser import wait_for

JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
PROVIDER_FIRST = TIERS["provider-first"][0]
SECRETS = re.compile(r"problem|relief|pregnant|stress|relax")


@pytest.fixture
def app(tmp_path):
    """The site with every practice detail filled in (live_server serves it)."""
    return filled_practice_app(tmp_path / "practice")


def reader_page(open_page, live_server, js, scheme="light"):
    """The article as a reader with or without JavaScript gets it (axe can run)."""
    if js:
        return open_page("/", color_scheme=scheme)
    return page_without_scripts(open_page, live_server, "/", color_scheme=scheme)


def change_answers(page, live_server, js):
    """Press "Change my answers"; return the response that answered it."""
    button = page.get_by_role("button", name="Change my answers")
    if js:
        with page.expect_response(live_server.url + "/widgets/chooser") as response:
            button.click()
    else:
        with page.expect_navigation() as response:
            button.click()
    assert response.value.request.method == "POST"
    return response.value


@JS
def test_the_suggestion_shows_the_session_and_gives_the_answers_back(
    open_page, live_server, js
):
    page = reader_page(open_page, live_server, js)
    answer(page, MEDICAL)
    assert submit(page, live_server, js).status == 200
    expect_outcome(page, OUTCOMES["medical"])
    result = page.locator("#chooser-result")
    session = result.locator(".recommendation__services li")
    expect(session).to_have_text(["Medical massage · 90 minutes · $132.50"])
    button = result.get_by_role("link", name=OUTCOMES["medical"].book_label)
    expect(button).to_be_visible()
    # The session is shown above the button that books it (both measured at
    # once: the page may still be scrolling to the result).
    above = session.evaluate(
        "(line, button) => line.getBoundingClientRect().bottom"
        " <= button.getBoundingClientRect().top",
        button.element_handle(),
    )
    assert above
    assert axe_violations(page) == [], "suggestion"

    response = change_answers(page, live_server, js)
    assert response.status == 200
    # The form is back with every answer checked, and no suggestion.
    for question, answer_id in ticked(MEDICAL):
        expect(page.locator(f"#chooser-{question}-{answer_id}")).to_be_checked()
    expect(page.locator("#chooser-result")).to_be_empty()
    expect(page.get_by_role("button", name="Change my answers")).to_have_count(0)
    # No answer in the address, on the way there or back.
    assert not SECRETS.search(page.url)
    assert not SECRETS.search(response.request.url)
    if js:
        # Focus on the first question's answer, the question read out with it.
        first = page.locator("#chooser-reason-problem")
        expect(first).to_be_focused()
        expect(first).to_be_in_viewport()
    else:
        # The page opens at the chooser's title, its questions below.
        assert page.url == live_server.url + "/#chooser"
        title = page.get_by_role("heading", name=CHOOSER.title)
        expect(title).to_be_in_viewport()
    assert axe_violations(page) == [], "changing"

    # A changed answer gives its own suggestion.
    page.locator("#chooser-goal-relax").check()
    page.locator("#chooser-reason-stress").check()
    page.locator("#chooser-referral-no").check()
    assert submit(page, live_server, js).status == 200
    expect_outcome(page, OUTCOMES["therapeutic"])
    expect(page.locator(".recommendation__services li")).to_have_text(
        ["Therapeutic massage · 60 minutes · $90"]
    )
    page.watch.assert_clean()


@JS
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_provider_first_offers_the_practice_phone(open_page, live_server, js, scheme):
    page = reader_page(open_page, live_server, js, scheme)
    answer(page, PROVIDER_FIRST)
    assert submit(page, live_server, js).status == 200
    expect_outcome(page, OUTCOMES["provider-first"])
    prompt = page.locator("#chooser-result [data-call-prompt]")
    expect(prompt).to_have_text("Questions? Call Calm Hands Massage: +1 555 0100")
    expect(prompt).to_be_visible()
    phone = prompt.get_by_role("link", name="+1 555 0100")
    expect(phone).to_have_attribute("href", "tel:+15550100")
    expect(phone).to_have_attribute("data-call", "/call?from=chooser-provider-first")
    # Waiting to book: no session offered.
    expect(page.locator(".recommendation__services")).to_have_count(0)
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_get_care_today_shows_no_prompt_session_or_booking(open_page, live_server):
    page = open_page("/")
    answer(page, TIERS["care-today"][0])
    assert submit(page, live_server, True).status == 200
    expect_outcome(page, OUTCOMES["care-today"])
    result = page.locator("#chooser-result")
    expect(result.locator("[data-current]")).to_have_attribute(
        "data-current", "care-today"
    )
    expect(result.locator("[data-call-prompt]")).to_have_count(0)
    expect(result.locator(".recommendation__services")).to_have_count(0)
    expect(result.locator('a[href^="/book"]')).to_have_count(0)
    # The way back to the answers stays.
    expect(result.get_by_role("button", name="Change my answers")).to_be_visible()
    expect(page.locator("#chooser-status")).to_have_text(
        f"Our suggestion: {CHOOSER.outcomes['care-today'].title}."
    )


def test_a_press_on_the_call_prompt_counts_a_call_from_the_chooser(
    browser, live_server, app
):
    context, page, beacons = open_article(browser, live_server, js=True)
    try:
        answer(page, PROVIDER_FIRST)
        submit(page, live_server, True)
        expect_outcome(page, OUTCOMES["provider-first"])
        phone_link(page, "#chooser-result [data-call-prompt]").click()
        expected = ["chooser-provider-first"]
        assert wait_for(page, lambda: stored(app, "call"), expected) == expected
        assert beacons == [f"POST {live_server.url}/call?from=chooser-provider-first"]
    finally:
        context.close()
