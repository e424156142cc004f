"""The editor's text pages in Chromium: the live preview, saving, a refusal, no JS.

The owner types into the article's box: the preview beside it follows after
a pause (htmx), hostile words stay inert there and on the live page, a save
is announced and shows on the site, a refused text keeps what was typed.
Without JavaScript the Preview button shows the same preview on a full page.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import (
    DESKTOP,
    PHONE,
    ZOOMED,
    axe_violations,
    low_contrast_borders,
    overflowing_boxes,
    page_without_scripts,
    reflow_problems,
    with_text_spacing,
)
from .test_dashboard_browser import (
    mark_document,
    same_document,
    sideways_scroll,
    sign_in,
)

NARROW = {"width": 320, "height": 740}
# The home article's page in the editor (each article has its own).
HOME_EDIT = "/edit/articles/medical-or-therapeutic-massage"
HOSTILE = (
    "\n<script>alert('typed')</script>\n\n"
    '<img src="x" onerror="alert(2)">\n\n'
    "[a trap](javascript:alert(3))\n"
)


def with_title(text, title):
    """The article's text with its front matter's title replaced."""
    return re.sub(r"(?m)^title:.*$", f'title: "{title}"', text, count=1)


def watch_dialogs(page):
    """Collect any dialog a script might open (none must)."""
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def open_when_live(page, url, words, seconds=2.0):
    """Open ``url`` again until its page holds ``words`` (a save shows within 2 s)."""
    deadline = time.monotonic() + seconds
    page.goto(url)  # goto waits for the page: its words are all there
    while words not in page.content() and time.monotonic() < deadline:
        time.sleep(0.2)
        page.goto(url)
    expect(page.locator("main")).to_contain_text(words)


def assert_inert(page, scope):
    """Nothing typed became a script, an event handler or a javascript: link."""
    expect(scope).to_contain_text("<script>alert(")
    assert scope.locator("script").count() == 0
    assert scope.locator("[onerror]").count() == 0
    assert scope.locator("a[href^='javascript' i]").count() == 0


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_the_preview_follows_the_typing_and_a_save_shows_on_the_site(
    open_page, live_server, owner_password, viewport
):
    page = sign_in(open_page, live_server, owner_password, HOME_EDIT, viewport=viewport)
    dialogs = watch_dialogs(page)
    mark_document(page)
    box = page.get_by_label(re.compile("^The text"))
    typed = with_title(box.input_value(), "Hands that listen") + HOSTILE
    box.fill(typed)
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("Hands that listen")
    assert_inert(page, preview)
    assert same_document(page)
    assert axe_violations(page) == []

    page.get_by_label(re.compile("^What you changed")).fill("a warmer title")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(box).to_have_value(re.compile("Hands that listen"))

    open_when_live(page, live_server.url + "/", "Hands that listen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hands that listen")
    assert_inert(page, page.locator("article"))
    assert dialogs == []
    page.watch.assert_clean()


def test_a_refused_text_is_announced_by_the_box_and_kept(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, HOME_EDIT)
    box = page.get_by_label(re.compile("^The text"))
    typed = (
        re.sub(r"(?m)^title:.*\n", "", box.input_value(), count=1) + "\nKept words.\n"
    )
    box.fill(typed)
    page.get_by_role("button", name="Save").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Not saved")
    expect(alert).to_contain_text("'title'")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_be_focused()  # the box, its reason read with it
    expect(box).to_have_accessible_description(re.compile("Not saved"))
    expect(box).to_have_value(re.compile("Kept words."))
    assert axe_violations(page) == []

    time.sleep(0.6)  # past the next look for a save: none was made
    page.goto(live_server.url + "/")
    expect(page.locator("article")).not_to_contain_text("Kept words.")


def test_a_yaml_typo_in_the_widget_words_names_its_line(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, "/edit/widgets")
    box = page.get_by_label("The widget words (YAML)")
    box.fill(box.input_value().rstrip("\n") + "\nbroken: one: two\n")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Line \d+"))
    expect(box).to_have_value(re.compile("broken: one: two"))
    assert axe_violations(page) == []


def test_without_javascript_the_preview_button_shows_the_preview(
    open_page, live_server, owner_password
):
    page = page_without_scripts(open_page, live_server, "/login?next=/edit/privacy")
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/edit/privacy")
    box = page.get_by_label(re.compile("^The text"))
    box.fill(box.input_value() + "\n\nA line seen before saving.\n")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("A line seen before saving.")
    expect(box).to_have_value(re.compile("A line seen before saving."))
    assert axe_violations(page) == []

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    open_when_live(page, live_server.url + "/privacy", "A line seen before saving.")


@pytest.mark.parametrize("path", [HOME_EDIT, "/edit/widgets"])
def test_the_text_pages_fit_a_320_px_screen(
    open_page, live_server, owner_password, path
):
    page = sign_in(open_page, live_server, owner_password, path, viewport=NARROW)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert sideways_scroll(page) == 0


def wcag_problems(page, label):
    """Text spacing, reflow and control-border findings of the page as it is."""
    problems = []
    remove = with_text_spacing(page)
    for viewport in (NARROW, DESKTOP):
        page.set_viewport_size(viewport)
        problems += [
            f"{label} spaced at {viewport['width']}px: {p}"
            for p in overflowing_boxes(page)
        ]
    remove()
    for viewport in (NARROW, ZOOMED):
        page.set_viewport_size(viewport)
        problems += [f"{label} at {viewport}: {p}" for p in reflow_problems(page)]
    page.set_viewport_size(DESKTOP)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [f"{label} {scheme}: {f}" for f in low_contrast_borders(page)]
    page.emulate_media(color_scheme="light")
    return problems


def test_the_text_pages_meet_wcag_beyond_axe(open_page, live_server, owner_password):
    """Text spacing, reflow at 320 px and 400%, 3:1 borders, in three states."""
    page = sign_in(open_page, live_server, owner_password, "/edit/widgets")
    problems = wcag_problems(page, "widget words")
    page.goto(live_server.url + HOME_EDIT)
    box = page.get_by_label(re.compile("^The text"))
    box.fill(
        with_title(box.input_value(), "A title")
        + "\n[a link](https://example.com/a-very-long-address-with-no-place-to-break-it-at-all)\n"
    )
    expect(page.get_by_role("region", name="Preview")).to_contain_text("A title")
    problems += wcag_problems(page, "article previewed")
    box.fill("no details at the top")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved")
    problems += wcag_problems(page, "article refused")
    assert problems == []
