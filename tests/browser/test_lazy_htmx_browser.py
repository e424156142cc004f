"""htmx loads only when a reader nears a widget; nothing done before it is lost."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from .conftest import JOURNEYS

WIDGETS = load_widgets()
ASPECTS = WIDGETS.comparison.aspects
TRAINING = ASPECTS[2]
OUTCOMES = WIDGETS.chooser.outcomes
CHOOSER_KEYS = {question.id for question in WIDGETS.chooser.questions}
HTMX_FILE = re.compile(r"/static/vendor/htmx-[\d.]+\.min\.js")


def open_recording(open_page, live_server, path, on_htmx=None):
    """Open ``path`` noting every request for the htmx file (and routing it)."""
    page = open_page("/robots.txt")
    page.htmx_requests = []
    page.on(
        "request",
        lambda request: (
            page.htmx_requests.append(request.url)
            if HTMX_FILE.search(request.url)
            else None
        ),
    )
    if on_htmx:
        page.route(HTMX_FILE, on_htmx)
    page.goto(live_server.url + path)
    return page


def hold_htmx(open_page, live_server, path):
    """Open ``path`` with the htmx file held back: (page, the held requests)."""
    held = []
    page = open_recording(
        open_page, live_server, path, on_htmx=lambda route: held.append(route)
    )
    return page, held


def wait_until(page, condition, what):
    """Let the page run until ``condition()`` holds (5 s at most)."""
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(50)
    pytest.fail(f"waited 5 s for {what}")


def keep_a_mark(page):
    """Tag the live document; a full page load would lose the tag."""
    page.evaluate("window.__kept = 1")


def kept_the_mark(page):
    return page.evaluate("window.__kept") == 1


def query(url):
    return dict(parse_qsl(urlsplit(url).query))


def expect_aspect(page, aspect):
    panel = page.locator("#compare-panel")
    expect(panel).to_contain_text(aspect.medical[0])
    expect(panel).to_contain_text(aspect.therapeutic[0])


def test_htmx_loads_when_the_comparison_comes_near(open_page, live_server):
    page = open_recording(open_page, live_server, "/")
    page.wait_for_load_state("networkidle")
    # The comparison is screens away on a phone: beyond the observer's reach.
    top = page.evaluate(
        "document.getElementById('compare').getBoundingClientRect().top"
    )
    assert top > 2 * page.viewport_size["height"]
    assert page.htmx_requests == []
    assert page.evaluate("typeof window.htmx") == "undefined"

    page.locator("#compare").scroll_into_view_if_needed()
    page.wait_for_function("() => !!window.htmx")
    assert len(page.htmx_requests) == 1
    keep_a_mark(page)
    with page.expect_response(re.compile(r"/widgets/compare\b")):
        page.get_by_role("tab", name=TRAINING.label, exact=True).click()
    expect_aspect(page, TRAINING)
    expect(page.get_by_role("tab", name=TRAINING.label, exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    page.wait_for_url(lambda url: query(url) == {"aspect": TRAINING.id})
    assert kept_the_mark(page)
    assert len(page.htmx_requests) == 1
    page.watch.assert_clean()


def test_a_tab_clicked_before_htmx_arrives_swaps_once_it_does(open_page, live_server):
    page, held = hold_htmx(open_page, live_server, "/")
    keep_a_mark(page)
    page.get_by_role("tab", name=TRAINING.label, exact=True).click()
    wait_until(page, lambda: held, "the page to ask for htmx")
    # Still waiting for htmx: the click neither went nor left the page.
    expect_aspect(page, ASPECTS[0])
    assert page.evaluate("typeof window.htmx") == "undefined"
    assert kept_the_mark(page)

    with page.expect_response(re.compile(r"/widgets/compare\b")):
        held[0].continue_()
    expect_aspect(page, TRAINING)
    expect(page.get_by_role("tab", name=TRAINING.label, exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    page.wait_for_url(lambda url: query(url) == {"aspect": TRAINING.id})
    assert kept_the_mark(page)
    page.watch.assert_clean()


def test_a_tab_and_a_technique_clicked_before_htmx_both_stay(open_page, live_server):
    page, held = hold_htmx(open_page, live_server, "/")
    keep_a_mark(page)
    technique = WIDGETS.techniques.items[4]
    page.get_by_role("tab", name=TRAINING.label, exact=True).click()
    page.locator(f"#technique-{technique.id}").click()
    wait_until(page, lambda: held, "the page to ask for htmx")
    held[0].continue_()
    # Replayed in turn: each request carries the address the one before left.
    expect_aspect(page, TRAINING)
    expect(page.locator("#technique-detail")).to_contain_text(technique.suits)
    page.wait_for_url(
        lambda url: query(url) == {"aspect": TRAINING.id, "technique": technique.id}
    )
    assert kept_the_mark(page)
    page.watch.assert_clean()


def test_without_htmx_a_tab_opens_its_own_page(open_page, live_server):
    page = open_recording(
        open_page, live_server, "/", on_htmx=lambda route: route.abort()
    )
    keep_a_mark(page)
    page.get_by_role("tab", name=TRAINING.label, exact=True).click()
    page.wait_for_url(lambda url: query(url) == {"aspect": TRAINING.id})
    expect_aspect(page, TRAINING)
    expect(page.get_by_role("tab", name=TRAINING.label, exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    assert not kept_the_mark(page)  # a full page, as without JavaScript
    assert page.htmx_requests  # it was asked for, and failed


def test_offline_before_htmx_a_tab_says_so_and_works_once_back(open_page, live_server):
    page = open_recording(open_page, live_server, "/")
    page.wait_for_load_state("networkidle")
    keep_a_mark(page)
    page.context.set_offline(True)
    tab = page.get_by_role("tab", name=TRAINING.label, exact=True)
    tab.click()
    # No page would come either: the widget says so and the page stays.
    status = page.locator("#compare-status")
    expect(status).to_contain_text("Couldn't load: check your connection")
    retry = status.get_by_role("link", name="Try again")
    expect(retry).to_have_attribute("href", re.compile(f"aspect={TRAINING.id}"))
    expect_aspect(page, ASPECTS[0])
    assert kept_the_mark(page)
    assert page.evaluate("typeof window.htmx") == "undefined"

    page.context.set_offline(False)
    with page.expect_response(re.compile(r"/widgets/compare\b")):
        tab.click()  # htmx is tried again, and comes
    expect_aspect(page, TRAINING)
    expect(status).not_to_contain_text("Couldn't load")
    page.wait_for_url(lambda url: query(url) == {"aspect": TRAINING.id})
    assert kept_the_mark(page)


@pytest.mark.parametrize("outcome", ["therapeutic", "medical"])
def test_the_chooser_sent_before_htmx_arrives_answers_in_place(
    open_page, live_server, outcome
):
    page, held = hold_htmx(open_page, live_server, "/")
    keep_a_mark(page)
    for question, answer_id in JOURNEYS[outcome].items():
        page.locator(f"#chooser-{question}-{answer_id}").check()
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()
    wait_until(page, lambda: held, "the page to ask for htmx")
    assert page.evaluate("typeof window.htmx") == "undefined"
    assert kept_the_mark(page)

    with page.expect_response(live_server.url + "/widgets/chooser") as response:
        held[0].continue_()
    # htmx posts the answers with the button that sent them.
    assert response.value.request.method == "POST"
    assert "show=suggestion" in response.value.request.post_data
    result = page.locator("#chooser-result")
    expect(result.get_by_role("heading", name=OUTCOMES[outcome].title)).to_be_visible()
    expect(page.locator("#chooser-status")).to_have_text(
        f"Our suggestion: {OUTCOMES[outcome].title}."
    )
    assert kept_the_mark(page)
    assert not CHOOSER_KEYS & set(query(page.url))
    page.watch.assert_clean()


def test_a_page_without_widgets_never_loads_htmx(open_page, live_server):
    page = open_recording(open_page, live_server, "/privacy")
    # site.js could load it from here; nothing on the page needs it.
    assert page.locator("script[data-htmx]").count() == 1
    page.wait_for_load_state("networkidle")
    page.locator(".site-footer").scroll_into_view_if_needed()
    page.locator(".site-footer a").last.focus()
    page.wait_for_timeout(500)
    assert page.htmx_requests == []
    assert page.evaluate("typeof window.htmx") == "undefined"
    page.watch.assert_clean()
