"""A reader uses the widgets in a real browser: JS on (htmx) and off (full pages)."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from webapp.site.practice import load_practice
from webapp.site.widget_content import load_widgets

from .conftest import (
    DESKTOP,
    JOURNEYS,
    NOTHING_CHECKED,
    PHONE,
    axe_violations,
    page_without_scripts,
)

WIDGETS = load_widgets()
# Every generic booking button says the practice's one label.
BOOK_LABEL = load_practice().book_label
ASPECTS = WIDGETS.comparison.aspects
TECHNIQUES = WIDGETS.techniques.items
OUTCOMES = WIDGETS.chooser.outcomes
CHOOSER_KEYS = {question.id for question in WIDGETS.chooser.questions}
VIEWPORTS = pytest.mark.parametrize(
    "viewport", [PHONE, DESKTOP], ids=["375px", "1280px"]
)


def sideways_scroll(page):
    """How far the page scrolls sideways (0: nothing wider than the screen)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def expect_focused(page, element_id):
    """Wait until the element with this id has the keyboard focus."""
    expect(page.locator(f"[id='{element_id}']")).to_be_focused()


def mark_document(page):
    """Tag the live document; a full page load would lose the tag."""
    page.evaluate("window.__samePage = true")


def same_document(page):
    return page.evaluate("window.__samePage === true")


def expect_aspect(page, aspect):
    expect(page.locator("#compare-panel")).to_contain_text(aspect.medical[0])
    expect(page.locator("#compare-panel")).to_contain_text(aspect.therapeutic[0])


def url_state(url):
    """A URL's query as a dict, and its anchor."""
    parts = urlsplit(url)
    return dict(parse_qsl(parts.query)), parts.fragment


def expect_url(page, live_server, params, anchor):
    """The page's URL becomes the article with exactly ``params`` and ``anchor``."""
    try:
        page.wait_for_url(
            lambda url: (
                url.startswith(live_server.url + "/?")
                and url_state(url) == (params, anchor)
            ),
            wait_until="commit",
            timeout=5000,
        )
    except PlaywrightTimeout:
        pytest.fail(f"URL is {page.url}, expected {params} #{anchor}")


def axe_without_javascript(open_page, live_server, path, **options):
    """axe-core's violations on the page a reader without JavaScript gets."""
    return axe_violations(page_without_scripts(open_page, live_server, path, **options))


def answer(page, answers):
    for question, answer_id in answers.items():
        page.locator(f"#chooser-{question}-{answer_id}").check()


def submit_chooser(page):
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()


def expect_no_answers_in_url(page):
    """The chooser's answers are in no address: only the other widgets' state."""
    params, _ = url_state(page.url)
    assert not CHOOSER_KEYS & set(params), page.url
    assert not CHOOSER_KEYS & set(url_state(page.evaluate("window.location.href"))[0])


# --- JavaScript on: htmx swaps the fragments -----------------------------------


@VIEWPORTS
def test_each_aspect_swaps_in_without_a_reload(open_page, live_server, viewport):
    page = open_page("/", viewport=viewport)
    status = page.locator("#compare-status")
    assert status.count() == 1 and status.inner_text() == ""  # there before any swap
    expect(page.get_by_role("tab", name="Purpose")).to_have_attribute(
        "aria-selected", "true"
    )
    mark_document(page)
    for aspect in [*ASPECTS[1:], ASPECTS[0]]:
        tab = page.get_by_role("tab", name=aspect.label, exact=True)
        tab.click()
        expect_aspect(page, aspect)
        expect(tab).to_have_attribute("aria-selected", "true")
        expect(page.locator('[role="tab"][aria-selected="true"]')).to_have_count(1)
        expect_url(page, live_server, {"aspect": aspect.id}, "compare")
        expect_focused(page, f"aspect-{aspect.id}")
        expect(status).to_have_text(f"Now comparing: {aspect.label}.")
        expect(page.locator("#compare-panel")).to_have_attribute(
            "aria-labelledby", f"aspect-{aspect.id}"
        )
        assert sideways_scroll(page) <= 0
    assert same_document(page)
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_back_and_forward_restore_the_aspect(open_page, live_server):
    page = open_page("/")
    purpose, approach, training = ASPECTS[0], ASPECTS[1], ASPECTS[2]
    page.get_by_role("tab", name=training.label).click()
    expect_url(page, live_server, {"aspect": training.id}, "compare")
    page.get_by_role("tab", name=approach.label).click()
    expect_url(page, live_server, {"aspect": approach.id}, "compare")
    expect_aspect(page, approach)

    page.go_back()
    expect_url(page, live_server, {"aspect": training.id}, "compare")
    expect_aspect(page, training)
    expect(page.get_by_role("tab", name=training.label)).to_have_attribute(
        "aria-selected", "true"
    )
    page.go_back()
    expect(page).to_have_url(live_server.url + "/")
    expect_aspect(page, purpose)
    page.go_forward()
    expect_url(page, live_server, {"aspect": training.id}, "compare")
    expect_aspect(page, training)

    # htmx keeps no snapshot: the pushed URL is fetched again as a full page.
    # All it notes is the address it is on, which holds only the aspect.
    session = page.evaluate("() => ({...sessionStorage})")
    assert "htmx-history-cache" not in session
    assert set(session) <= {"htmx-current-path-for-history"}
    assert set(session.values()) <= {f"/?aspect={training.id}"}
    page.go_forward()
    expect_url(page, live_server, {"aspect": approach.id}, "compare")
    expect_aspect(page, approach)
    tab = page.get_by_role("tab", name=approach.label)
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(tab).to_have_attribute("tabindex", "0")
    # The restored page works like the first one.
    page.get_by_role("tab", name=purpose.label).click()
    expect_aspect(page, purpose)
    expect_url(page, live_server, {"aspect": purpose.id}, "compare")
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_reload_and_a_shared_link_land_on_the_same_state(open_page, live_server):
    page = open_page("/")
    page.get_by_role("tab", name=ASPECTS[3].label).click()
    page.get_by_role("link", name=TECHNIQUES[4].name).click()
    expect(page.locator("#technique-detail")).to_contain_text(TECHNIQUES[4].suits)
    url = page.url
    page.reload()
    assert page.url == url
    expect_aspect(page, ASPECTS[3])
    expect(page.locator("#technique-detail")).to_contain_text(TECHNIQUES[4].suits)
    # Someone the link is shared with, on a phone without JavaScript.
    other = open_page(url.removeprefix(live_server.url), js=False)
    assert ASPECTS[3].medical[0] in other.locator("#compare-panel").inner_text()
    assert TECHNIQUES[4].suits in other.locator("#technique-detail").inner_text()
    page.watch.assert_clean()


def test_arrow_keys_home_and_end_move_between_tabs(open_page, live_server):
    page = open_page("/")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(len(ASPECTS))
    # Roving tabindex: only the selected tab is in the Tab order.
    expect(page.locator('[role="tab"][tabindex="0"]')).to_have_count(1)
    expect(page.locator('[role="tab"][tabindex="-1"]')).to_have_count(len(ASPECTS) - 1)
    page.get_by_role("tab", name=ASPECTS[0].label).focus()

    page.keyboard.press("ArrowRight")
    expect_focused(page, f"aspect-{ASPECTS[1].id}")
    page.keyboard.press("End")
    expect_focused(page, f"aspect-{ASPECTS[-1].id}")
    page.keyboard.press("ArrowRight")  # wraps round
    expect_focused(page, f"aspect-{ASPECTS[0].id}")
    page.keyboard.press("ArrowLeft")
    expect_focused(page, f"aspect-{ASPECTS[-1].id}")
    page.keyboard.press("Home")
    expect_focused(page, f"aspect-{ASPECTS[0].id}")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Moving does not load anything; Enter activates, and focus stays put.
    assert page.url == live_server.url + "/"
    page.keyboard.press("Enter")
    expect_aspect(page, ASPECTS[2])
    expect_url(page, live_server, {"aspect": ASPECTS[2].id}, "compare")
    expect_focused(page, f"aspect-{ASPECTS[2].id}")
    expect(page.locator(f"#aspect-{ASPECTS[2].id}")).to_have_attribute("tabindex", "0")
    # Space activates too.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press(" ")
    expect_aspect(page, ASPECTS[1])
    expect_focused(page, f"aspect-{ASPECTS[1].id}")
    # Tab leaves the tab list for the panel.
    page.keyboard.press("Tab")
    expect_focused(page, "compare-panel")
    page.watch.assert_clean()


@VIEWPORTS
def test_each_technique_opens_in_place(open_page, live_server, viewport):
    page = open_page("/", viewport=viewport)
    detail = page.locator("#technique-detail")
    expect(detail).to_contain_text(WIDGETS.techniques.empty)
    mark_document(page)
    for technique in TECHNIQUES:
        link = page.get_by_role("link", name=technique.name, exact=True)
        link.click()
        expect(detail).to_contain_text(technique.what_it_is)
        expect(detail).to_contain_text(technique.ask_first)
        expect(link).to_have_attribute("aria-current", "true")
        expect(page.locator("#techniques [aria-current]")).to_have_count(1)
        expect_url(page, live_server, {"technique": technique.id}, "technique-detail")
        expect_focused(page, f"technique-{technique.id}")
        # The notes land in view (on a phone they start below the fold), and
        # focus stays on the link.
        expect(detail).to_be_in_viewport()
        assert page.evaluate(
            "document.getElementById('technique-detail').getBoundingClientRect().top"
            " < innerHeight"
        )
        expect(page.locator("#technique-status")).to_have_text(
            f"Now showing: {technique.name}."
        )
        book = detail.get_by_role("link", name=BOOK_LABEL)
        assert book.get_attribute("href") == "/book?from=technique"
        assert sideways_scroll(page) <= 0
    assert same_document(page)
    assert axe_violations(page) == []
    page.go_back()
    expect(detail).to_contain_text(TECHNIQUES[-2].what_it_is)
    page.watch.assert_clean()


@pytest.mark.parametrize("outcome", list(JOURNEYS))
def test_chooser_gives_each_suggestion_in_place(open_page, live_server, outcome):
    page = open_page("/?aspect=training")
    mark_document(page)
    entries = page.evaluate("history.length")
    answer(page, JOURNEYS[outcome])
    with page.expect_response(live_server.url + "/widgets/chooser") as response:
        submit_chooser(page)
    # htmx posts the answers and pushes no address: they are in no URL.
    assert response.value.request.method == "POST"
    assert "hx-push-url" not in response.value.headers
    result = page.locator("#chooser-result")
    expect(result.get_by_role("heading", name=OUTCOMES[outcome].title)).to_be_visible()
    expect(page.locator("#chooser-status")).to_have_text(
        f"Our suggestion: {OUTCOMES[outcome].title}."
    )
    assert url_state(page.url) == ({"aspect": "training"}, "")
    expect_no_answers_in_url(page)
    assert page.evaluate("history.length") == entries  # no new history entry
    expect_focused(page, "chooser-submit")
    book = result.get_by_role("link", name=OUTCOMES[outcome].book_label)
    assert book.get_attribute("href") == f"/book?from=chooser-{outcome}"
    for question, answer_id in JOURNEYS[outcome].items():
        expect(page.locator(f"#chooser-{question}-{answer_id}")).to_be_checked()
    assert same_document(page)
    assert sideways_scroll(page) <= 0
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_chooser_without_answers_says_what_is_missing(open_page, live_server):
    page = open_page("/")
    page.locator("#chooser-reason-stress").check()
    submit_chooser(page)
    result = page.locator("#chooser-result")
    expect(result).to_contain_text(WIDGETS.chooser.errors.title)
    expect(page.locator("#chooser-referral-error")).to_have_text(
        WIDGETS.chooser.errors.missing
    )
    # A check-all question asks for a check, or "None of these".
    expect(page.locator("#chooser-health-error")).to_have_text(
        WIDGETS.chooser.errors.missing_multiple
    )
    health = WIDGETS.chooser.question("health")
    link = result.get_by_role("link", name=health.label)
    expect(link).to_have_attribute("href", "#chooser-health-surgery")
    expect(page.locator("#chooser-status")).to_have_text(WIDGETS.chooser.status_error)
    expect(page.locator("#chooser-reason-stress")).to_be_checked()  # kept
    assert page.url == live_server.url + "/"  # no answer in the address
    # Focus moves to the list of problems, a group named by its heading, so a
    # screen reader reads it out; the page's title says there is an error.
    expect_focused(page, "chooser-problems")
    summary = page.get_by_role("group", name=WIDGETS.chooser.errors.title)
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    # The unanswered questions' answers are invalid, the answered one's not.
    expect(page.locator("#chooser-referral-yes")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator("#chooser-reason-stress")).not_to_have_attribute(
        "aria-invalid", "true"
    )
    # A problem's link focuses the question's first answer.
    link.click()
    expect_focused(page, "chooser-health-surgery")
    assert axe_violations(page) == []
    # Fixing the answers gives the suggestion, still without a new address.
    answer(page, {"referral": "no", **NOTHING_CHECKED, "goal": "relax"})
    submit_chooser(page)
    expect(
        result.get_by_role("heading", name=OUTCOMES["therapeutic"].title)
    ).to_be_visible()
    expect(page.locator("#chooser-health-error")).to_have_count(0)
    assert page.url == live_server.url + "/"
    expect(page).not_to_have_title(re.compile(r"^Error"))
    page.watch.assert_clean()


def test_widgets_keep_each_others_state_in_every_link(open_page, live_server):
    page = open_page("/?utm_source=news")
    page.get_by_role("tab", name=ASPECTS[2].label).click()
    expect_aspect(page, ASPECTS[2])
    page.get_by_role("link", name=TECHNIQUES[0].name).click()
    expect(page.locator("#technique-detail")).to_contain_text(TECHNIQUES[0].suits)
    answer(page, JOURNEYS["medical"])
    submit_chooser(page)
    expect(page.locator("#chooser-result")).to_contain_text(OUTCOMES["medical"].title)
    everything = {
        "aspect": ASPECTS[2].id,
        "technique": TECHNIQUES[0].id,
        "utm_source": "news",
    }
    # The chooser leaves the address as the technique notes pushed it.
    expect_url(page, live_server, everything, "technique-detail")
    expect_no_answers_in_url(page)
    # A link opened in a new tab (or copied) keeps the other widgets too, but
    # never the chooser's answers.
    link = page.locator(f"#aspect-{ASPECTS[5].id}")
    for key, value in {**everything, "aspect": ASPECTS[5].id}.items():
        expect(link).to_have_attribute("href", re.compile(rf"[?&]{key}={value}(&|#)"))
    for widget_link in page.locator("a[data-own]").all():
        params, _ = url_state(widget_link.get_attribute("href"))
        assert not CHOOSER_KEYS & set(params), widget_link.get_attribute("href")
    # The form posts without JavaScript to this page's state, answers aside.
    action = page.locator("#chooser-form").get_attribute("action")
    assert not CHOOSER_KEYS & set(url_state(action)[0])
    # Booking from the suggestion keeps the visit's campaign.
    book = page.locator("#chooser-result").get_by_role(
        "link", name=OUTCOMES["medical"].book_label
    )
    assert book.get_attribute("href") == "/book?from=chooser-medical&utm_source=news"
    page.watch.assert_clean()


def test_an_error_fragment_shows_in_the_panel(open_page):
    page = open_page("/")
    # htmx loads as the comparison comes near (site.js); wait for it.
    page.locator("#compare").scroll_into_view_if_needed()
    page.wait_for_function("() => !!window.htmx")
    # A stale or hand-made request for an aspect that no longer exists.
    page.evaluate(
        "htmx.ajax('GET', '/widgets/compare/no-such-aspect', '#compare-panel')"
    )
    expect(page.locator("#compare-panel")).to_contain_text(
        "We could not find that page"
    )
    expect(page.get_by_role("tab", name=ASPECTS[0].label)).to_have_attribute(
        "aria-selected", "true"
    )
    page.watch.assert_clean()


def give_invalid_reason(page):
    """A crafted or stale form: an answer that is not one of the choices."""
    page.locator("#chooser-reason-stress").evaluate("input => (input.value = 'nope')")
    page.locator("#chooser-reason-stress").check()


# The chooser's states, reached by answering it (its answers are in no URL).
CHOOSER_STATES = {
    "provider-first": lambda page: answer(page, JOURNEYS["provider-first"]),
    "therapeutic": lambda page: answer(page, JOURNEYS["therapeutic"]),
    "invalid": give_invalid_reason,
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_in_every_state(open_page, live_server, scheme):
    for path in ["/", "/?aspect=session&technique=hot-stone"]:
        page = open_page(path, color_scheme=scheme)
        assert axe_violations(page) == [], (path, "js")
        violations = axe_without_javascript(
            open_page, live_server, path, color_scheme=scheme
        )
        assert violations == [], (path, "no-js")
    for state, fill in CHOOSER_STATES.items():
        page = open_page("/", color_scheme=scheme)
        fill(page)
        submit_chooser(page)
        expect(page.locator("#chooser-result [data-current]")).to_have_count(1)
        if state == "invalid":
            expect(page.locator("#chooser-reason-error")).to_have_text(
                WIDGETS.chooser.errors.invalid
            )
        assert axe_violations(page) == [], (state, "js")
        page = page_without_scripts(open_page, live_server, "/", color_scheme=scheme)
        fill(page)
        with page.expect_navigation():
            submit_chooser(page)
        expect(page.locator("#chooser-result [data-current]")).to_have_count(1)
        assert axe_violations(page) == [], (state, "no-js")


# --- JavaScript off: the same journeys by full page loads ----------------------


@VIEWPORTS
def test_without_javascript_aspects_are_links_to_full_pages(
    open_page, live_server, viewport
):
    page = open_page("/", viewport=viewport, js=False)
    assert page.get_by_role("tab").count() == 0  # plain links, all in the Tab order
    links = page.locator("#compare [data-key]")
    assert links.count() == len(ASPECTS)
    assert page.locator("#compare [tabindex='-1']").count() == 0
    for aspect in ASPECTS[1:4]:
        page.get_by_role("link", name=aspect.label, exact=True).click()
        expect_url(page, live_server, {"aspect": aspect.id}, "compare")
        expect_aspect(page, aspect)
        link = page.get_by_role("link", name=aspect.label, exact=True)
        assert link.get_attribute("aria-current") == "true"
        assert sideways_scroll(page) <= 0
    page.go_back()
    expect_url(page, live_server, {"aspect": ASPECTS[2].id}, "compare")
    expect_aspect(page, ASPECTS[2])
    page.watch.assert_clean()
    path = page.url.removeprefix(live_server.url)
    assert axe_without_javascript(open_page, live_server, path, viewport=viewport) == []


def test_without_javascript_every_widget_works_and_keeps_the_others(
    open_page, live_server
):
    # Reduced motion: no smooth scroll to each anchor, so the test runs faster.
    page = open_page("/", js=False, reduced_motion="reduce")
    page.get_by_role("link", name=ASPECTS[4].label, exact=True).click()
    expect_aspect(page, ASPECTS[4])
    for technique in TECHNIQUES:
        page.get_by_role("link", name=technique.name, exact=True).click()
        expect_url(
            page,
            live_server,
            {"aspect": ASPECTS[4].id, "technique": technique.id},
            "technique-detail",
        )
        expect(page.locator("#technique-detail")).to_contain_text(technique.feels_like)
        assert sideways_scroll(page) <= 0
    expect_aspect(page, ASPECTS[4])

    for outcome, answers in JOURNEYS.items():
        answer(page, answers)
        with page.expect_navigation() as navigation:
            submit_chooser(page)
        # A full page POST: the answers go in its body, never in the address,
        # and the page with them is not stored by the browser.
        assert navigation.value.request.method == "POST"
        assert "no-store" in navigation.value.headers["cache-control"]
        result = page.locator("#chooser-result")
        expect(
            result.get_by_role("heading", name=OUTCOMES[outcome].title)
        ).to_be_visible()
        expect_url(
            page,
            live_server,
            {"aspect": ASPECTS[4].id, "technique": TECHNIQUES[-1].id},
            "chooser-result",
        )
        for question, answer_id in answers.items():
            expect(page.locator(f"#chooser-{question}-{answer_id}")).to_be_checked()
        book = result.get_by_role("link", name=OUTCOMES[outcome].book_label)
        assert book.get_attribute("href") == f"/book?from=chooser-{outcome}"
        assert sideways_scroll(page) <= 0
    # The other widgets still show their state after the chooser.
    expect_aspect(page, ASPECTS[4])
    expect(page.locator("#technique-detail")).to_contain_text(TECHNIQUES[-1].suits)
    page.watch.assert_clean()


def test_without_javascript_an_empty_chooser_says_what_is_missing(
    open_page, live_server
):
    page = open_page("/", js=False)
    with page.expect_navigation() as navigation:
        submit_chooser(page)
    assert navigation.value.status == 422
    assert navigation.value.request.method == "POST"
    expect(page.locator("#chooser-result")).to_contain_text(
        WIDGETS.chooser.errors.title
    )
    for question in WIDGETS.chooser.questions:
        expect(page.locator(f"#chooser-{question.id}-error")).to_be_visible()
    expect(page.locator("#chooser-health-error")).to_have_text(
        WIDGETS.chooser.errors.missing_multiple
    )
    assert url_state(page.url) == ({}, "chooser-result")
    page.watch.assert_clean()
    # The same page, with axe.
    page = page_without_scripts(open_page, live_server, "/")
    with page.expect_navigation() as navigation:
        submit_chooser(page)
    assert navigation.value.status == 422
    assert axe_violations(page) == []
