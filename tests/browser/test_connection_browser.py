"""A reader on a bad connection: a widget says what happened and offers what works."""

import re

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from .conftest import JOURNEYS, axe_violations

WIDGETS = load_widgets()
ASPECTS = WIDGETS.comparison.aspects
OUTCOMES = WIDGETS.chooser.outcomes
TECHNIQUES = WIDGETS.techniques.items
CHOOSER_KEYS = {question.id for question in WIDGETS.chooser.questions}
PROBLEM = "Couldn't load: check your connection and try again."
WAITING = "Working out your suggestion…"


def answer(page, answers):
    for question, answer_id in answers.items():
        page.locator(f"#chooser-{question}-{answer_id}").check()


def submit_chooser(page):
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()


def expect_aspect(page, aspect):
    expect(page.locator("#compare-panel")).to_contain_text(aspect.medical[0])


def near_the_chooser(page):
    """Scroll to the chooser, as a reader does, and wait for htmx, which loads then."""
    page.locator("#chooser").scroll_into_view_if_needed()
    page.wait_for_function("() => !!window.htmx")


def nothing_kept_in_the_browser(page, console):
    """No storage and no console line holds an answer (htmx keeps only the path)."""
    kept = page.evaluate(
        """() => [localStorage, sessionStorage].flatMap((store) =>
            Object.keys(store).map((key) => key + '=' + store.getItem(key)))"""
    )
    # The answers this journey gives that no other word of the page would hold.
    answers = ("stress", "relax", "reason", "goal")
    assert not [line for line in kept + console if any(a in line for a in answers)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_tab_without_network_says_so_and_its_link_works_once_back(open_page, scheme):
    page = open_page("/", color_scheme=scheme)
    tab = page.get_by_role("tab", name=ASPECTS[1].label)
    expect(tab).to_have_attribute("aria-selected", "false")
    page.context.set_offline(True)
    tab.click()
    status = page.locator("#compare-status")
    expect(status).to_contain_text(PROBLEM)
    expect(status).to_be_visible()
    expect(page.locator("#compare-panel")).not_to_have_attribute("aria-busy", "true")
    expect_aspect(page, ASPECTS[0])  # the last panel stays
    assert axe_violations(page) == []
    retry = status.get_by_role("link", name="Try again")
    assert f"aspect={ASPECTS[1].id}" in retry.get_attribute("href")
    page.context.set_offline(False)
    retry.click()
    # A full page for that aspect, as without JavaScript.
    page.wait_for_url(re.compile(rf"aspect={ASPECTS[1].id}"))
    expect_aspect(page, ASPECTS[1])
    expect(page.locator("#compare-status")).to_have_class(re.compile("visually-hidden"))
    page.watch.assert_clean()


def test_the_next_tab_that_loads_clears_the_message(open_page):
    page = open_page("/")
    page.route("**/widgets/compare/**", lambda route: route.abort())
    page.get_by_role("tab", name=ASPECTS[1].label).click()
    status = page.locator("#compare-status")
    expect(status).to_contain_text(PROBLEM)
    page.unroute("**/widgets/compare/**")
    page.get_by_role("tab", name=ASPECTS[2].label).click()
    expect_aspect(page, ASPECTS[2])
    expect(status).not_to_contain_text(PROBLEM)
    expect(status).to_have_class(re.compile("visually-hidden"))


def test_a_technique_without_network_offers_its_own_page(open_page):
    page = open_page("/")
    page.context.set_offline(True)
    page.locator(f"#technique-{TECHNIQUES[0].id}").click()
    status = page.locator("#technique-status")
    expect(status).to_contain_text(PROBLEM)
    retry = status.get_by_role("link", name="Try again")
    assert f"technique={TECHNIQUES[0].id}" in retry.get_attribute("href")
    page.context.set_offline(False)
    retry.click()
    expect(page.locator("#technique-detail")).to_contain_text(TECHNIQUES[0].what_it_is)
    expect(page.locator("#technique-status")).to_have_class(
        re.compile("visually-hidden")
    )


def test_a_server_error_leaves_the_panel_and_says_so(open_page):
    page = open_page("/")
    page.route(
        "**/widgets/compare/**",
        lambda route: route.fulfill(
            status=502,
            body="<html><body>Bad gateway</body></html>",
            content_type="text/html",
        ),
    )
    page.get_by_role("tab", name=ASPECTS[1].label).click()
    expect(page.locator("#compare-status")).to_contain_text(PROBLEM)
    expect_aspect(page, ASPECTS[0])
    expect(page.locator("#compare-panel")).not_to_contain_text("Bad gateway")


def test_the_chooser_without_network_keeps_the_answers_and_sends_them_once_back(
    open_page, live_server
):
    page = open_page("/")
    console = []
    page.on("console", lambda message: console.append(message.text))
    answer(page, JOURNEYS["therapeutic"])
    page.context.set_offline(True)
    submit_chooser(page)
    status = page.locator("#chooser-status")
    expect(status).to_contain_text(PROBLEM)
    expect(status).to_be_visible()
    expect(page.locator("#chooser-body")).not_to_have_attribute("aria-busy", "true")
    for question, answer_id in JOURNEYS["therapeutic"].items():
        expect(page.locator(f"#chooser-{question}-{answer_id}")).to_be_checked()
    assert axe_violations(page) == []
    nothing_kept_in_the_browser(page, console)
    page.context.set_offline(False)
    # The form posted as a full page, as without JavaScript.
    with page.expect_navigation():
        status.get_by_role("button", name="Try again").click()
    result = page.locator("#chooser-result")
    expect(
        result.get_by_role("heading", name=OUTCOMES["therapeutic"].title)
    ).to_be_visible()
    assert not CHOOSER_KEYS & set(page.url.split("?", 1)[-1].split("&"))
    assert not any(f"{key}=" in page.url for key in CHOOSER_KEYS)
    nothing_kept_in_the_browser(page, console)
    page.watch.assert_clean()


def test_a_slow_suggestion_shows_the_wait_then_the_answer(open_page):
    page = open_page("/")
    held = []
    page.route("**/widgets/chooser", lambda route: held.append(route))  # answered later
    answer(page, JOURNEYS["therapeutic"])
    submit_chooser(page)
    status = page.locator("#chooser-status")
    expect(status).to_have_text(WAITING)
    expect(status).to_be_visible()
    expect(page.locator("#chooser-body")).to_have_attribute("aria-busy", "true")
    assert axe_violations(page) == []
    page.wait_for_timeout(300)  # still waiting: nothing ends the wait but the answer
    expect(status).to_have_text(WAITING)
    held[0].continue_()
    result = page.locator("#chooser-result")
    expect(
        result.get_by_role("heading", name=OUTCOMES["therapeutic"].title)
    ).to_be_visible()
    expect(status).to_have_text(f"Our suggestion: {OUTCOMES['therapeutic'].title}.")
    expect(status).to_have_class(re.compile("visually-hidden"))
    expect(page.locator("#chooser-body")).not_to_have_attribute("aria-busy", "true")


def test_a_request_that_takes_too_long_gives_up_and_says_so(open_page):
    page = open_page("/")
    near_the_chooser(page)
    # The site gives up after 10 s; the test shortens the wait to keep quick.
    assert page.evaluate("htmx.config.timeout") == 10_000
    page.evaluate("htmx.config.timeout = 1500")
    held = []
    page.route("**/widgets/chooser", lambda route: held.append(route))  # never answered
    answer(page, JOURNEYS["therapeutic"])
    submit_chooser(page)
    status = page.locator("#chooser-status")
    expect(status).to_have_text(WAITING)
    expect(status).to_contain_text(PROBLEM)
    expect(status.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.locator("#chooser-body")).not_to_have_attribute("aria-busy", "true")
