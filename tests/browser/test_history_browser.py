"""Back, forward and reload after using the widgets: clean console, nothing stored.

htmx's history cache is off (templates/base.html): back and forward load the
page the server renders for the address, so no snapshot of a page sits in the
tab's sessionStorage, and no restored snapshot breaks the CSP. The chooser's
answers never go in an address (htmx posts them and pushes nothing), so
history, storage and a reload hold none of them.
"""

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from .conftest import axe_violations

WIDGETS = load_widgets()
ASPECTS = WIDGETS.comparison.aspects
TECHNIQUES = WIDGETS.techniques.items
ANSWERS = {
    "reason": "stress",
    "referral": "no",
    "today": "none",
    "health": "surgery",
    "mention": "none",
    "goal": "relax",
}
CHOOSER_KEYS = {question.id for question in WIDGETS.chooser.questions}


def expect_aspect(page, aspect):
    expect(page.locator("#compare-panel")).to_contain_text(aspect.medical[0])


def storage(page):
    """Everything the page's origin keeps in the tab and the browser."""
    return page.evaluate(
        "() => ({session: {...sessionStorage}, local: {...localStorage}})"
    )


def expect_nothing_of_the_answers_kept(page):
    """No answer in the address, nor in the tab's or the browser's storage."""
    href = page.evaluate("window.location.href")
    for url in (page.url, href):
        assert not CHOOSER_KEYS & {k for k, _ in parse_qsl(urlsplit(url).query)}
    kept = storage(page)
    assert kept["local"] == {}
    # No snapshot of a page; htmx notes only the address it is on.
    assert set(kept["session"]) <= {"htmx-current-path-for-history"}
    serialised = json.dumps(kept)
    for answer_id in ("stress", "surgery", "relax"):
        assert answer_id not in serialised
    for key in CHOOSER_KEYS:
        assert not re.search(rf"[?&]{key}=", serialised)


def expect_nothing_ticked(page):
    for question, answer_id in ANSWERS.items():
        expect(page.locator(f"#chooser-{question}-{answer_id}")).not_to_be_checked()


def test_back_forward_and_reload_after_widgets_keep_the_console_clean(
    open_page, live_server
):
    page = open_page("/")
    for aspect in ASPECTS[1:4]:
        page.get_by_role("tab", name=aspect.label, exact=True).click()
        expect_aspect(page, aspect)
    technique = TECHNIQUES[1]
    page.get_by_role("link", name=technique.name).click()
    expect(page.locator("#technique-detail")).to_contain_text(technique.suits)
    technique_url = page.url
    for question, answer_id in ANSWERS.items():
        page.locator(f"#chooser-{question}-{answer_id}").check()
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()
    provider_first = WIDGETS.chooser.outcomes["provider-first"].title
    expect(page.locator("#chooser-result")).to_contain_text(provider_first)
    # The suggestion is shown in place: the address is still the technique's.
    assert page.url == technique_url
    assert "#technique-detail" in technique_url
    expect_nothing_of_the_answers_kept(page)

    page.go_back()  # past the chooser, which added no entry: to the last aspect
    expect(page).to_have_url(technique_url.split("&technique")[0] + "#compare")
    expect_aspect(page, ASPECTS[3])
    expect(page.locator("#technique-detail")).not_to_contain_text(technique.suits)
    expect(page.locator("#chooser-result")).not_to_contain_text(provider_first)
    expect_nothing_ticked(page)
    expect_nothing_of_the_answers_kept(page)
    page.go_back()  # to the aspect before
    expect_aspect(page, ASPECTS[2])
    page.go_forward()
    expect_aspect(page, ASPECTS[3])
    page.go_forward()
    expect(page).to_have_url(technique_url)
    expect(page.locator("#technique-detail")).to_contain_text(technique.suits)
    # Coming back to the page does not bring back the answers or the suggestion.
    expect(page.locator("#chooser-result")).not_to_contain_text(provider_first)
    expect_nothing_ticked(page)
    expect_nothing_of_the_answers_kept(page)
    page.reload()
    expect(page).to_have_url(technique_url)
    expect(page.locator("#technique-detail")).to_contain_text(technique.suits)
    expect(page.locator("#chooser-result")).not_to_contain_text(provider_first)
    expect_nothing_ticked(page)
    expect_nothing_of_the_answers_kept(page)

    # The widgets still work on the page the browser came back to.
    page.get_by_role("tab", name=ASPECTS[0].label, exact=True).click()
    expect_aspect(page, ASPECTS[0])
    for question, answer_id in ANSWERS.items():
        page.locator(f"#chooser-{question}-{answer_id}").check()
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()
    expect(page.locator("#chooser-result")).to_contain_text(provider_first)
    expect_nothing_of_the_answers_kept(page)
    assert axe_violations(page) == []
    page.watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_privacy_page_has_no_accessibility_violations(open_page, scheme):
    page = open_page("/privacy", color_scheme=scheme)
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy, in plain words")
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_the_footer_leads_to_the_privacy_page_without_javascript(open_page):
    page = open_page("/", js=False)
    page.get_by_role("link", name="Privacy: what this site counts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy, in plain words")
    page.watch.assert_clean()
