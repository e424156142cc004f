"""WCAG 2.2 AA beyond axe (issue 17), measured in every page state.

Generic checks, not per-selector, so a new page or widget is covered as soon
as it is one of the states below:

- text spacing (1.4.12): with the WCAG overrides, at 320 and 1280 px, no cell,
  label, button, link, input, legend, summary or heading holds content wider
  than its box (outside a region that scrolls sideways), and no text is cut
  off by an ancestor that hides overflow;
- reflow (1.4.10): at 320 px and at 400% zoom no sideways page scroll, and
  every field shows its whole value;
- non-text contrast (1.4.11): every border of a focusable or invalid control
  is at least 3:1 against what is behind it, light and dark;
- status messages (4.1.3): each widget swap and each dashboard period change
  is named in a live region; an incomplete chooser submit focuses its summary.

Each state is reached once per test and checked at both widths by resizing.
"""

import datetime
import re
from operator import itemgetter

import pytest
from playwright.sync_api import expect

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.core.formatting import long_date
from webapp.site.widget_content import load_widgets
from webapp.tracking.vocabulary import VIEW

from ..conftest import create_migrated_database, make_app, store_owner_password
from ..test_articles_pages import DRAFT, SECOND, write_articles
from ..test_dashboard import record
from .conftest import (
    DESKTOP,
    JOURNEYS,
    NARROW,
    ZOOMED,
    LiveServer,
    grouped,
    live_region_texts,
    low_contrast_borders,
    overflowing_boxes,
    page_without_scripts,
    reflow_problems,
    with_text_spacing,
)

WIDGETS = load_widgets()
COMPARISON = WIDGETS.comparison
TECHNIQUES = WIDGETS.techniques.items
CHOOSER = WIDGETS.chooser
OUTCOMES = CHOOSER.outcomes
# A referrer as long as the tracking module keeps, with no place to break it.
LONG_HOST = "a" * 60 + ".example-with-a-very-long-host-name.com"
GROUPS = ["article-js", "article-no-js", "pages", "dashboard", "editor", "articles"]
LIVE_REGIONS = (
    "[role=status], [role=alert], [role=log], [aria-live]:not([aria-live=off])"
)


# --- Reaching each state ------------------------------------------------------


def settled(page):
    """Wait until htmx has finished swapping and settling (no-op without it)."""
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def click_label(page, question, answer_id):
    """Tick an answer by clicking its label, as a reader does."""
    box = page.locator(f"#chooser-{question}-{answer_id}")
    if not box.is_checked():
        page.locator(f"label[for='chooser-{question}-{answer_id}']").click()


def submit_chooser(page):
    page.get_by_role("button", name=CHOOSER.submit).click()
    settled(page)


def article_states(page):
    """The article, then each widget state, reached as a reader reaches it.

    Works with and without JavaScript: links and the form load full pages
    without it, htmx swaps parts with it.
    """
    yield "/"
    aspect = COMPARISON.aspects[1]
    page.locator(f"#aspect-{aspect.id}").click()
    settled(page)
    expect(page.locator("#compare-panel")).to_contain_text(aspect.medical[0])
    yield f"/ aspect {aspect.id}"
    technique = TECHNIQUES[0]
    page.locator(f"#technique-{technique.id}").click()
    settled(page)
    expect(page.locator("#technique-detail")).to_contain_text(technique.name)
    yield f"/ technique {technique.id}"
    # Incomplete first: radios, once ticked, cannot be unticked.
    click_label(page, "reason", "stress")
    submit_chooser(page)
    expect(page.locator("#chooser-result .error-message")).to_be_visible()
    yield "/ chooser error"
    for kind, answers in JOURNEYS.items():
        for question, answer_id in answers.items():
            click_label(page, question, answer_id)
        submit_chooser(page)
        expect(
            page.locator("#chooser-result").get_by_role(
                "heading", name=OUTCOMES[kind].title
            )
        ).to_be_visible()
        yield f"/ chooser {kind}"


def other_pages(page, live_server):
    for path in ("/privacy", "/login", "/no-such-page"):
        page.goto(live_server.url + path)
        yield path
    page.goto(live_server.url + "/login")
    page.get_by_label("Password").fill("not the right one at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "/login failed"


def sign_in(open_page, live_server, password, path="/stats"):
    page = open_page(f"/login?next={path}", viewport=DESKTOP)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + path)
    return page


def period_links(page):
    """Each preset period the dashboard offers, as (href, link text)."""
    return page.locator("a[href^='/stats?period=']").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )


def show_range(page, start, end):
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill(end.isoformat())
    page.get_by_role("button", name="Show").click()
    settled(page)


def dashboard_states(page, live_server, app):
    for href, _label in period_links(page):
        page.locator(f"a[href='{href}']").first.click()
        page.wait_for_url(live_server.url + href)
        settled(page)
        yield href
    today = calendar.today(practice_zone(app))
    start = today - datetime.timedelta(days=12)
    show_range(page, start, today)
    page.wait_for_url(f"{live_server.url}/stats?from={start}&to={today}")
    yield f"/stats?from={start}&to={today}"
    show_range(page, today, start)
    expect(page.get_by_role("alert")).to_be_visible()
    yield "/stats bad range"


def editor_states(page, live_server):
    """The editor's pages: the hub, the article with a preview, a refused save,
    its history and a comparison, the widget words and the practice's form."""
    page.goto(live_server.url + "/edit")
    yield "/edit"
    page.goto(live_server.url + "/edit/article")
    box = page.get_by_label(re.compile("^The text"))
    box.fill(box.input_value().replace("title: ", "title: Hands that listen. ", 1))
    expect(page.get_by_role("region", name="Preview")).to_contain_text("Hands")
    yield "/edit/article with a preview"
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    box.fill("no front matter at all")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "/edit/article refused"
    page.goto(live_server.url + "/edit/article/history")
    yield "/edit/article/history"
    page.goto(live_server.url + "/edit/widgets")
    yield "/edit/widgets"
    page.goto(live_server.url + "/edit/practice")
    yield "/edit/practice"
    yield from article_editor_states(page, live_server)


def article_editor_states(page, live_server):
    """A new article (its address from the title, then refused), the draft's
    page, the hub with it, the question before deleting, the hub after."""
    page.goto(live_server.url + "/edit/new-article")
    page.get_by_label("Its title").fill("Gift ideas")
    address = page.get_by_label("Its address")
    expect(address).to_have_value("gift-ideas")
    yield "/edit/new-article"
    address.fill("Gift ideas!")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_be_visible()
    yield "/edit/new-article refused"
    page.get_by_label("Its address").fill("gift-ideas")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator("#edit-status")).to_contain_text("Saved as a draft")
    yield "/edit/articles/gift-ideas (a draft)"
    page.goto(live_server.url + "/edit")
    yield "/edit with a draft"
    page.goto(live_server.url + "/edit/articles/gift-ideas/delete")
    yield "/edit/articles/gift-ideas/delete"
    page.get_by_role("button", name="Delete the article").click()
    expect(page.locator(".editor-status")).to_contain_text("deleted")
    yield "/edit with a deleted article"


def articles_states(page, url, password):
    """A second article (a widget swapped, a suggestion), /articles, a draft."""
    page.goto(f"{url}/articles/{SECOND}")
    yield f"/articles/{SECOND}"
    aspect = COMPARISON.aspects[1]
    page.locator(f"#aspect-{aspect.id}").click()
    settled(page)
    expect(page.locator("#compare-panel")).to_contain_text(aspect.medical[0])
    for question, answer_id in JOURNEYS["therapeutic"].items():
        click_label(page, question, answer_id)
    submit_chooser(page)
    title = OUTCOMES["therapeutic"].title
    result = page.locator("#chooser-result").get_by_role("heading", name=title)
    expect(result).to_be_visible()
    yield f"/articles/{SECOND} aspect {aspect.id}, chooser"
    page.goto(f"{url}/articles")
    yield "/articles"
    page.goto(f"{url}/login?next=/articles/{DRAFT}")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/articles/{DRAFT}")
    yield f"/articles/{DRAFT} (the owner's draft)"


@pytest.fixture
def articles_server(tmp_path):
    """A second site whose content folder has a second article and a draft."""
    database = create_migrated_database(tmp_path / "articles.db")
    folder = write_articles(tmp_path / "articles-content")
    with LiveServer(make_app(database, CONTENT_DIR=str(folder))) as server:
        yield server, store_owner_password(database)


@pytest.fixture
def demo_traffic(app, runner):
    """Ninety days of plausible traffic, and a referrer host with no break."""
    result = runner.invoke(
        args=["seed-demo", "--events", "3000", "--days", "90", "--seed", "17"]
    )
    assert result.exit_code == 0, result.output
    record(app, [{"kind": VIEW}], "192.0.2.99", referrer=f"https://{LONG_HOST}/")


@pytest.fixture
def page_states(open_page, live_server, app, request):
    """``page_states(group)``: (page, label) for each state of a group of pages."""

    def states(group):
        if group == "article-js":
            page = open_page("/", viewport=DESKTOP)
            labels = article_states(page)
        elif group == "article-no-js":
            page = page_without_scripts(open_page, live_server, "/", viewport=DESKTOP)
            labels = (f"{label} (no JS)" for label in article_states(page))
        elif group == "pages":
            request.getfixturevalue("owner_password")  # the login form shows
            page = open_page("/robots.txt", viewport=DESKTOP)
            labels = other_pages(page, live_server)
        elif group == "articles":
            server, password = request.getfixturevalue("articles_server")
            page = open_page("/robots.txt", viewport=DESKTOP)
            labels = articles_states(page, server.url, password)
        elif group == "editor":
            password = request.getfixturevalue("owner_password")
            page = sign_in(open_page, live_server, password, "/edit")
            labels = editor_states(page, live_server)
        else:
            request.getfixturevalue("demo_traffic")
            password = request.getfixturevalue("owner_password")
            page = sign_in(open_page, live_server, password)
            labels = dashboard_states(page, live_server, app)
        for label in labels:
            yield page, label

    return states


def report(failures):
    """Fail with every problem found, one a line (nothing if none)."""
    if failures:
        pytest.fail(
            f"{len(failures)} problem(s):\n" + "\n".join(failures), pytrace=False
        )


# --- 1.4.12 Text spacing --------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_text_spacing_overrides_clip_nothing(page_states, group):
    failures = []
    for page, label in page_states(group):
        remove = with_text_spacing(page)
        for viewport in (NARROW, DESKTOP):
            page.set_viewport_size(viewport)
            failures += [
                f"{label} at {viewport['width']}px: {problem}"
                for problem in overflowing_boxes(page)
            ]
        remove()
    report(failures)


# --- 1.4.10 Reflow ----------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_reflows_at_320px_and_400_percent_zoom(page_states, group):
    failures = []
    for page, label in page_states(group):
        for name, viewport in (("320px", NARROW), ("400% zoom", ZOOMED)):
            page.set_viewport_size(viewport)
            failures += [f"{label} at {name}: {p}" for p in reflow_problems(page)]
        page.set_viewport_size(DESKTOP)
    report(failures)


# --- 1.4.11 Non-text contrast ------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_control_borders_have_3_to_1_contrast_light_and_dark(page_states, group):
    # At the desktop width only: no colour in the style sheets depends on width.
    findings = []
    for page, label in page_states(group):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            findings += [
                {**finding, "scheme": scheme, "state": label}
                for finding in low_contrast_borders(page)
            ]
        page.emulate_media(color_scheme="light")
    # One line per colour pair, naming the elements, then the states.
    pair = "{scheme}: border {border} on {behind} is {ratio}:1".format_map
    failures = grouped(findings, pair, lambda f: f"{f['element']} ({f['side']})")
    failures += grouped(findings, lambda f: f"  seen in {pair(f)}", itemgetter("state"))
    report(failures)


# --- 4.1.3 Status messages, through the accessibility tree ------------------------


def expect_announced(page, failures, what, *names):
    """A live region (found by its role) names ``what``: any of ``names``."""
    regions = (
        page.get_by_role("status")
        .or_(page.get_by_role("alert"))
        .or_(page.locator(LIVE_REGIONS))
    )
    naming = regions.filter(has_text=names[0])
    for name in names[1:]:
        naming = naming.or_(regions.filter(has_text=name))
    try:
        expect(naming.first).to_be_attached(timeout=3000)
    except AssertionError:
        failures.append(
            f"{what}: no live region names {' or '.join(map(repr, names))}; "
            f"live regions say {live_region_texts(page)}"
        )


def test_each_widget_swap_is_announced(open_page):
    page = open_page("/", viewport=DESKTOP)
    failures = []
    for aspect in reversed(COMPARISON.aspects[1:3]):
        page.locator(f"#aspect-{aspect.id}").click()
        settled(page)
        expect_announced(page, failures, f"aspect tab {aspect.id}", aspect.label)
    for technique in TECHNIQUES[:2]:
        page.locator(f"#technique-{technique.id}").click()
        settled(page)
        expect_announced(page, failures, f"technique {technique.id}", technique.name)
    for kind, answers in JOURNEYS.items():
        for question, answer_id in answers.items():
            click_label(page, question, answer_id)
        submit_chooser(page)
        expect_announced(page, failures, f"chooser {kind}", OUTCOMES[kind].title)
    report(failures)


def test_an_incomplete_chooser_submit_focuses_the_error_summary(open_page):
    page = open_page("/", viewport=DESKTOP)
    click_label(page, "reason", "stress")
    submit_chooser(page)
    summary = page.locator("#chooser-result .error-message")
    expect(summary).to_be_visible()
    focus = page.evaluate(
        """() => {
          const active = document.activeElement;
          const path = (el) => el ? el.localName + (el.id ? '#' + el.id : '')
            + [...el.classList].map((c) => '.' + c).join('') : 'nothing';
          const summary = active && active.closest(
            '[role=alert], .error-message, [class*="error-summary"]');
          return {
            active: path(active),
            inSummary: Boolean(summary),
            alertOrHeading: Boolean(summary && (summary.getAttribute('role') === 'alert'
              || summary.querySelector('h2, h3, h4, h5, h6, [role=heading]'))),
          };
        }"""
    )
    assert focus["inSummary"], (
        f"after an incomplete submit focus is on {focus['active']}, "
        "not on the error summary"
    )
    assert focus["alertOrHeading"], "the focused error summary has no role=alert "
    "and no heading"


def test_a_dashboard_period_change_is_announced(
    open_page, live_server, owner_password, demo_traffic, app
):
    page = sign_in(open_page, live_server, owner_password)
    failures = []
    for href, label in period_links(page):
        if "period=7d" in href:  # the page opens on it: no change
            continue
        page.locator(f"a[href='{href}']").first.click()
        page.wait_for_url(live_server.url + href)
        settled(page)
        expect_announced(page, failures, f"period {href}", label)
    today = calendar.today(practice_zone(app))
    start = today - datetime.timedelta(days=12)
    show_range(page, start, today)
    with app.test_request_context():
        spelt = long_date(start)
    expect_announced(page, failures, "range", start.isoformat(), spelt)
    report(failures)
