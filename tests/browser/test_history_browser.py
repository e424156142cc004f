"""Back, forward and reload after using the widgets: clean console, nothing stored.

htmx's history cache is off (templates/base.html): back and forward load the
page the server renders for the address, so no snapshot (with the chooser's
answers) sits in the tab's sessionStorage, and no restored snapshot breaks
the CSP.
"""

import pytest
from playwright.sync_api import expect

from webapp.site.widget_content import load_widgets

from .conftest import axe_violations

WIDGETS = load_widgets()
ASPECTS = WIDGETS.comparison.aspects
TECHNIQUES = WIDGETS.techniques.items
ANSWERS = {"reason": "stress", "referral": "no", "recent": "surgery", "goal": "relax"}


def expect_aspect(page, aspect):
    expect(page.locator("#compare-panel")).to_contain_text(aspect.medical[0])


def storage(page):
    """Everything the page's origin keeps in the tab and the browser."""
    return page.evaluate(
        "() => ({session: Object.keys(sessionStorage),"
        " local: Object.keys(localStorage)})"
    )


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
    for question, answer_id in ANSWERS.items():
        page.locator(f"#chooser-{question}-{answer_id}").check()
    page.get_by_role("button", name=WIDGETS.chooser.submit).click()
    provider_first = WIDGETS.chooser.outcomes["provider-first"].title
    expect(page.locator("#chooser-result")).to_contain_text(provider_first)
    chooser_url = page.url
    assert "recent=surgery" in chooser_url

    # Nothing from htmx (or anything else) kept in the browser, answers least.
    assert storage(page) == {"session": [], "local": []}

    page.go_back()  # to the technique
    expect(page).to_have_url(
        chooser_url.split("&reason")[0].split("#")[0] + "#technique-detail"
    )
    expect(page.locator("#technique-detail")).to_contain_text(technique.suits)
    expect_aspect(page, ASPECTS[3])
    expect(page.locator("#chooser-result")).not_to_contain_text(provider_first)
    page.go_back()  # to the last aspect, no technique open
    expect_aspect(page, ASPECTS[3])
    expect(page.locator("#technique-detail")).not_to_contain_text(technique.suits)
    page.go_forward()
    expect(page.locator("#technique-detail")).to_contain_text(technique.suits)
    page.go_forward()
    expect(page).to_have_url(chooser_url)
    expect(page.locator("#chooser-result")).to_contain_text(provider_first)
    page.reload()
    expect(page).to_have_url(chooser_url)
    expect(page.locator("#chooser-result")).to_contain_text(provider_first)
    for question, answer_id in ANSWERS.items():
        expect(page.locator(f"#chooser-{question}-{answer_id}")).to_be_checked()

    assert storage(page) == {"session": [], "local": []}
    # The widgets still work on the page the browser came back to.
    page.get_by_role("tab", name=ASPECTS[0].label, exact=True).click()
    expect_aspect(page, ASPECTS[0])
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
