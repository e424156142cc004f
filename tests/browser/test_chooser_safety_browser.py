"""The chooser's safety tiers and its privacy, in a real browser, JS on and off.

Each tier's example answers give that tier with the right buttons: no
booking link at all for "get care today", "pick a day after you are well"
for "book another day", "book once your provider agrees", and the usual
suggestion with what to tell the therapist. The suggestion and the article's
health note never disagree; and the answers, which are health information,
are kept nowhere in the browser: not in an address, a history entry, a
Referer, storage or a form the browser fills in again.
"""

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from webapp.site.article import load_article
from webapp.site.practice import load_practice
from webapp.site.widget_content import load_widgets

from .conftest import NOTHING_CHECKED, axe_violations, page_without_scripts

WIDGETS = load_widgets()
CHOOSER = WIDGETS.chooser
OUTCOMES = CHOOSER.outcomes
CHOOSER_KEYS = {question.id for question in CHOOSER.questions}
PROVIDER_FIRST = OUTCOMES["provider-first"]
PRACTICE = load_practice(technique_ids=[t.id for t in WIDGETS.techniques.items])


def given(reason, referral, goal, **checked):
    """A complete answer set: ``checked`` by question, "None of these" elsewhere."""
    return {
        "reason": reason,
        "referral": referral,
        **NOTHING_CHECKED,
        **checked,
        "goal": goal,
    }


# Each tier's example answers: (answers, the checked answers' question and id,
# the suggestion the other answers lead to).
TIERS = {
    "care-today": (
        given("stress", "no", "relax", today=["limb", "fever"]),
        [("today", "limb"), ("today", "fever")],
        "therapeutic",
    ),
    "another-day": (
        given("problem", "yes", "relief", today=["injury"], mention=["allergies"]),
        [("today", "injury")],
        "medical",
    ),
    "provider-first": (
        given("stress", "no", "relax", health=["pregnant"]),
        [("health", "pregnant")],
        "therapeutic",
    ),
    "tell-therapist": (
        given("upkeep", "no", "move", mention=["skin", "varicose-veins"]),
        [],
        "therapeutic",
    ),
}
MEDICAL = given("problem", "yes", "relief")
# Answers for the privacy journey; the words that must never be kept.
PRIVATE = given(
    "stress", "no", "relax", health=["surgery", "pregnant", "blood-thinners"]
)
SECRETS = ("stress", "surgery", "pregnant", "blood-thinners", "relax")

JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def words(text):
    """Text with its white space folded, as a browser shows it."""
    return " ".join(text.split())


def ticked(answers):
    """Each (question, answer) pair of ``answers``, checkboxes one by one."""
    for question, value in answers.items():
        for answer_id in [value] if isinstance(value, str) else value:
            yield question, answer_id


def answer(page, answers):
    for question, answer_id in ticked(answers):
        page.locator(f"#chooser-{question}-{answer_id}").check()


def reason_of(question, answer_id):
    return words(CHOOSER.question(question).get(answer_id).reason)


def submit(page, live_server, js):
    """Send the chooser's form; return the response that answered it."""
    button = page.get_by_role("button", name=CHOOSER.submit)
    if js:
        with page.expect_response(live_server.url + "/widgets/chooser") as response:
            button.click()
        # htmx posts the answers and pushes no address.
        assert "hx-push-url" not in response.value.headers
    else:
        with page.expect_navigation() as response:
            button.click()
        assert "no-store" in response.value.headers["cache-control"]
    assert response.value.request.method == "POST"
    return response.value


def expect_outcome(page, outcome):
    expect(
        page.locator("#chooser-result").get_by_role("heading", name=outcome.title)
    ).to_be_visible()


# --- Each tier, with its buttons ----------------------------------------------------


@JS
@pytest.mark.parametrize("tier", list(TIERS))
def test_each_tier_gives_its_suggestion_and_buttons(open_page, live_server, js, tier):
    answers, flags, later = TIERS[tier]
    outcome = OUTCOMES[later] if tier == "tell-therapist" else OUTCOMES[tier]
    page = open_page("/", js=js)
    answer(page, answers)
    assert submit(page, live_server, js).status == 200
    expect_outcome(page, outcome)
    result = page.locator("#chooser-result")
    reasons = result.locator(
        ".recommendation__reasons:not(.recommendation__mention) li"
    )
    mention = result.locator(".recommendation__mention li")
    to_mention = [
        reason_of(q, a) for q, a in ticked(answers) if q == "mention" and a != "none"
    ]
    links = result.get_by_role("link")
    if tier == "care-today":
        # No booking link at all: the reader needs care today. The one link
        # is the emergency number, to call with a tap on a phone.
        expect(links).to_have_count(1)
        expect(links).to_have_text(PRACTICE.emergency_number)
        expect(links).to_have_attribute("href", f"tel:{PRACTICE.emergency_number}")
        expect(result).to_contain_text(words(outcome.text("next_step", PRACTICE)))
        expect(result).to_contain_text(f"call {PRACTICE.emergency_number} now")
        expect(reasons).to_have_text([reason_of(*flag) for flag in flags])
    elif tier == "tell-therapist":
        # The suggestion as usual, and what to mention when booking.
        expect(links).to_have_count(1)
        expect(links).to_have_text(outcome.book_label)
        expect(links).to_have_attribute("href", f"/book?from=chooser-{later}")
        expect(mention).to_have_text(to_mention)
        expect(result).to_contain_text(CHOOSER.tell_therapist.title)
    else:
        # Book later: the tier's own button, and what the answers lead to then.
        expect(links).to_have_count(1)
        expect(links).to_have_text(outcome.book_label)
        expect(links).to_have_attribute("href", f"/book?from=chooser-{tier}")
        expect(reasons).to_have_text(
            [
                *(reason_of(*flag) for flag in flags),
                words(outcome.later.format(outcome=OUTCOMES[later].name)),
            ]
        )
        expect(mention).to_have_text(to_mention)
    expect(result).to_contain_text(words(outcome.text("summary", PRACTICE)))
    for kind in {"medical", "therapeutic"} - {outcome.id}:
        heading = result.get_by_role("heading", name=OUTCOMES[kind].title)
        expect(heading).to_have_count(0)
    if js:
        expect(page.locator("#chooser-status")).to_have_text(
            f"Our suggestion: {outcome.title}."
        )
        assert axe_violations(page) == [], tier
    page.watch.assert_clean()


def test_without_javascript_a_red_flag_wins_over_none_of_these(open_page, live_server):
    # Without JavaScript nothing unchecks "None of these": both are sent.
    page = open_page("/", js=False)
    answer(page, {**TIERS["provider-first"][0], "health": ["none", "pregnant"]})
    submit(page, live_server, js=False)
    expect_outcome(page, PROVIDER_FIRST)
    expect(page.locator("#chooser-result")).to_contain_text(
        reason_of("health", "pregnant")
    )
    page.watch.assert_clean()


def test_none_of_these_and_a_red_flag_uncheck_each_other(open_page, live_server):
    page = open_page("/")
    health = CHOOSER.question("health")
    box = {a.id: page.locator(f"#chooser-health-{a.id}") for a in health.answers}
    page.locator("#chooser-reason-stress").check()
    page.locator("#chooser-today-none").check()
    box["pregnant"].check()
    box["blood-thinners"].check()
    expect(box["pregnant"]).to_be_checked()
    expect(box["blood-thinners"]).to_be_checked()

    box["none"].check()
    for answer_id, checkbox in box.items():
        if answer_id == "none":
            expect(checkbox).to_be_checked()
        else:
            expect(checkbox).not_to_be_checked()
    # Only this question's boxes: the other questions' "None of these" stays.
    expect(page.locator("#chooser-today-none")).to_be_checked()

    box["heart"].check()
    expect(box["none"]).not_to_be_checked()
    expect(box["heart"]).to_be_checked()

    # With the keyboard too: Space on "None of these" clears the red flag.
    box["none"].focus()
    page.keyboard.press(" ")
    expect(box["none"]).to_be_checked()
    expect(box["heart"]).not_to_be_checked()
    page.keyboard.press(" ")  # and unchecking it leaves nothing checked
    expect(page.locator("#chooser-health input:checked")).to_have_count(0)
    # The other questions' answers are left alone.
    expect(page.locator("#chooser-reason-stress")).to_be_checked()

    # What is sent is what is shown: a red flag checked last wins.
    answer(page, given("stress", "no", "relax", health="heart"))
    submit(page, live_server, js=True)
    expect_outcome(page, PROVIDER_FIRST)
    expect(page.locator(".recommendation__reasons li").first).to_have_text(
        reason_of("health", "heart")
    )
    page.watch.assert_clean()


# --- The suggestion and the article's health note agree ------------------------


@JS
def test_a_medical_suggestion_and_the_health_note_agree(open_page, live_server, js):
    page = open_page("/", js=js)
    answer(page, MEDICAL)
    submit(page, live_server, js)
    medical = OUTCOMES["medical"]
    expect_outcome(page, medical)
    # The suggestion asks for the referral or the provider's notes...
    expect(page.locator("#chooser-result")).to_contain_text(words(medical.next_step))
    # ...and the health note at the end of the article says when to ask a
    # healthcare provider first: it never tells the reader to just book.
    note = page.locator("aside.health-note")
    expect(note).to_contain_text(words(load_article().health_note))
    for phrase in ("injury", "condition", "surgery", "healthcare provider"):
        expect(note).to_contain_text(phrase)
    page.watch.assert_clean()


# --- Nothing of the answers is kept in the browser ------------------------------


class Trail:
    """Every address, Referer and stored value a page has had, checked as it goes."""

    def __init__(self, page, live_server):
        self.page = page
        self.live_server = live_server
        self.cdp = page.context.new_cdp_session(page)
        self.requests = []
        page.on("request", lambda request: self.requests.append(request))

    def history(self):
        """Every entry of the tab's history (back and forward), by the browser."""
        entries = self.cdp.send("Page.getNavigationHistory")["entries"]
        return [url for e in entries for url in (e["url"], e["userTypedURL"])]

    def check(self):
        """No answer in any address, history entry, Referer or storage so far."""
        page = self.page
        addresses = [page.url, page.evaluate("window.location.href"), *self.history()]
        for request in self.requests:
            addresses += [request.url, request.headers.get("referer", "")]
        for address in addresses:
            assert_no_answers(address)
        for cookie in page.context.cookies():
            assert_no_answers(json.dumps(cookie))
        if page.url.startswith(self.live_server.url):
            kept = page.evaluate(
                "() => JSON.stringify({session: {...sessionStorage},"
                " local: {...localStorage}})"
            )
            assert_no_answers(kept)


def assert_no_answers(text):
    for secret in SECRETS:
        assert secret not in text, text
    query = urlsplit(text).query if "://" in text else ""
    assert not CHOOSER_KEYS & {key for key, _ in parse_qsl(query)}, text
    for key in CHOOSER_KEYS:
        assert not re.search(rf"[?&]{key}=", text), text


def expect_nothing_ticked(page):
    expect(page.locator("#chooser-form input:checked")).to_have_count(0)
    expect(page.locator("#chooser-result")).not_to_contain_text(PROVIDER_FIRST.title)


@JS
def test_no_answer_is_kept_in_the_browser(open_page, live_server, js):
    page = open_page("/?aspect=training", js=js, reduced_motion="reduce")
    trail = Trail(page, live_server)
    trail.check()
    # Ticked but not sent: a reload does not tick them again (autocomplete off).
    answer(page, PRIVATE)
    page.reload()
    expect_nothing_ticked(page)
    trail.check()

    answer(page, PRIVATE)
    entries = page.evaluate("history.length")
    response = submit(page, live_server, js)
    expect_outcome(page, PROVIDER_FIRST)
    # The answers went in the POST's body, and in no address.
    assert "pregnant" in response.request.post_data
    if js:
        assert page.evaluate("history.length") == entries
    trail.check()

    page.locator("#aspect-approach").click()  # a tab, or a link without JS
    expect(page.locator("#compare-panel")).to_contain_text(
        WIDGETS.comparison.aspects[1].medical[0]
    )
    trail.check()

    try:
        page.go_back()
    except PlaywrightError as error:
        # Without JavaScript the suggestion was a POST answered "no-store":
        # the browser keeps no copy to show again, and does not post again
        # unasked (Chromium's "Confirm form resubmission" page).
        assert not js and "ERR_CACHE_MISS" in str(error), error
    if js:
        expect(page).to_have_url(live_server.url + "/?aspect=training")
        expect(page.locator("#compare-panel")).to_contain_text(
            WIDGETS.comparison.aspects[2].medical[0]
        )
        expect_nothing_ticked(page)
    else:
        expect(page.get_by_text(PROVIDER_FIRST.title)).to_have_count(0)
    trail.check()

    page.go_forward()
    expect(page.locator("#compare-panel")).to_contain_text(
        WIDGETS.comparison.aspects[1].medical[0]
    )
    expect_nothing_ticked(page)
    trail.check()
    page.reload()
    expect_nothing_ticked(page)
    trail.check()
    page.watch.assert_clean()


@JS
def test_answers_in_an_old_address_are_never_read(open_page, live_server, js):
    answers = (
        "reason=problem&referral=yes&today=none&health=pregnant&mention=none"
        "&goal=relief"
    )
    # The chooser's old address: sent to the page, its answers dropped.
    page = open_page(f"/widgets/chooser?{answers}", js=js)
    assert page.url == live_server.url + "/#chooser-result"
    expect_nothing_ticked(page)
    expect(page.locator("#chooser-result [data-current]")).to_have_count(0)
    # Answers in the page's address are ignored; the other widgets are not.
    page = open_page(f"/?aspect=training&{answers}&show=suggestion", js=js)
    expect_nothing_ticked(page)
    expect(page.locator("#chooser-result [data-current]")).to_have_count(0)
    expect(page.locator("#compare-panel")).to_contain_text(
        WIDGETS.comparison.aspects[2].medical[0]
    )
    page.watch.assert_clean()


# --- Accessibility -----------------------------------------------------------------


@JS
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_safety_results_and_the_health_error_are_accessible(
    open_page, live_server, js, scheme
):
    def reader_page():
        if js:
            return open_page("/", color_scheme=scheme)
        return page_without_scripts(open_page, live_server, "/", color_scheme=scheme)

    for tier in ("care-today", "another-day", "provider-first"):
        page = reader_page()
        answer(page, TIERS[tier][0])
        assert submit(page, live_server, js).status == 200
        expect_outcome(page, OUTCOMES[tier])
        assert axe_violations(page) == [], tier

    page = reader_page()
    answer(page, {k: v for k, v in MEDICAL.items() if k != "health"})
    assert submit(page, live_server, js).status == 422
    expect(page.locator("#chooser-health-error")).to_have_text(
        CHOOSER.errors.missing_multiple
    )
    expect(page.locator(".chooser__error")).to_have_count(1)
    expect(page.locator("#chooser-health")).to_have_attribute(
        "aria-describedby", re.compile(r"\bchooser-health-error\b")
    )
    assert axe_violations(page) == [], "health error"
