"""The weekly letter in Chromium: the e-mail's HTML on a phone, light and dark,
and the owner's preview page (axe, the CSP, the letter in its frame)."""

import datetime
import email
import email.policy

import pytest
from playwright.sync_api import expect

from webapp.digest import delivery, mail

from ..test_dashboard import record
from ..test_digest import add_traffic, at, last_monday
from .conftest import (
    DESKTOP,
    NARROW,
    PHONE,
    ZOOMED,
    axe_violations,
    low_contrast_borders,
    overflowing_boxes,
    reflow_problems,
    with_text_spacing,
)
from .test_dashboard_browser import LONG_HOST, sideways_scroll, sign_in

SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])

# The lowest contrast between any text and what is behind it, as painted.
LOWEST_CONTRAST_JS = """() => {
  const rgba = (c) => c.match(/[\\d.]+/g).map(Number).concat([1]).slice(0, 4);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92
      : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) return c;
    }
    return matchMedia('(prefers-color-scheme: dark)').matches
      ? [18, 18, 18, 1] : [255, 255, 255, 1];
  };
  let lowest = {ratio: 99};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.data.trim()) continue;
    const el = t.parentElement;
    const [a, b] = [lum(rgba(getComputedStyle(el).color)), lum(behind(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < lowest.ratio) lowest = {ratio, text: t.data.trim().slice(0, 40),
      color: getComputedStyle(el).color, background: String(behind(el))};
  }
  return lowest;
}"""


@pytest.fixture
def letter_html(app):
    """The HTML part of the e-mail for a busy-ish week, long referrer included."""
    monday = last_monday(app)
    add_traffic(app, monday, views=12, clickers=3)
    record(app, [{"kind": "view"}], "192.0.2.77", referrer=LONG_HOST,
           utm={"utm_campaign": "a-very-long-campaign-name-" * 3},
           when=at(app, monday + datetime.timedelta(days=2)))  # fmt: skip
    with app.app_context():
        app.config.update(SITE_URL="https://massage.example", DIGEST_TO="o@m.example",
                          MAIL_DEFAULT_SENDER="s@m.example")  # fmt: skip
        from webapp.core.db import connect

        db = connect(app.config["DATABASE"])
        try:
            letter = delivery.build(db, monday, app.config)
            text, html = delivery.render(letter)
        finally:
            db.conn.close()
        settings = mail.mail_settings(app.config)
        message = mail.build_message(settings, letter.subject, text, html)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return parsed.get_body(("html",)).get_content()


@SCHEMES
def test_the_email_html_fits_a_phone_and_reads_in_light_and_dark(
    browser, letter_html, scheme
):
    context = browser.new_context(viewport=PHONE, color_scheme=scheme,
                                  java_script_enabled=True)  # fmt: skip
    try:
        page = context.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.set_content(letter_html)
        assert sideways_scroll(page) == 0
        lowest = page.evaluate(LOWEST_CONTRAST_JS)
        assert lowest["ratio"] >= 4.5, lowest
        box = page.locator(".letter-box").first
        background = box.evaluate("el => getComputedStyle(el).backgroundColor")
        dark = background == "rgb(20, 25, 23)"
        assert dark == (scheme == "dark"), background
        assert page.get_by_text("13 page views", exact=True).is_visible()
        assert page.get_by_text(LONG_HOST[:20]).is_visible()
        assert requests == []  # nothing fetched: no image, font or pixel
    finally:
        context.close()


@SCHEMES
def test_the_preview_page_is_axe_clean_and_keeps_its_csp(
    app, open_page, live_server, owner_password, scheme
):
    add_traffic(app, last_monday(app), views=3, clickers=1)
    page = sign_in(open_page, live_server, owner_password, path="/stats/digest",
                   color_scheme=scheme)  # fmt: skip
    frame = page.frame_locator("iframe.digest-frame")
    frame.get_by_text("3 page views", exact=True).wait_for()
    assert axe_violations(page) == []
    assert sideways_scroll(page) == 0
    # The letter's own inline styles apply inside the frame (its own CSP).
    padding = (
        frame.locator("td").nth(1).evaluate("el => getComputedStyle(el).paddingTop")
    )
    assert padding == "20px"
    # Mail is not set up here: the button is off and the words say who can help.
    expect(page.get_by_role("button", name="Send me a copy")).to_be_disabled()
    expect(page.locator("#digest-settings")).to_have_text(
        "E-mail isn't set up yet: ask whoever runs your site "
        "(docs/deploy.md, 'The weekly letter')."
    )
    expect(page.locator("main")).not_to_contain_text("FLASK_")
    page.watch.assert_clean()


# The frame's height against the letter's: within a pixel, no scrolling inside.
FRAME_FITS_JS = """() => {
  const frame = document.querySelector("iframe.digest-frame");
  const letter = frame.contentDocument;
  if (!letter || !letter.body || !letter.body.textContent.includes("page views")) {
    return false;
  }
  const content = letter.documentElement.getBoundingClientRect().height;
  return Math.abs(frame.clientHeight - content) <= 1
    && letter.documentElement.scrollHeight <= frame.clientHeight;
}"""


def test_the_letters_frame_grows_to_the_letter_and_follows_the_width(
    app, open_page, live_server, owner_password
):
    add_traffic(app, last_monday(app), views=3, clickers=1)
    page = sign_in(open_page, live_server, owner_password, path="/stats/digest",
                   viewport={"width": 1280, "height": 2000})  # fmt: skip
    frame = page.locator("iframe.digest-frame")
    page.wait_for_function(FRAME_FITS_JS)
    wide = frame.evaluate("el => el.clientHeight")
    # Shorter than the 80vh (1600 px) it has without script: it shrank to fit.
    assert wide < 1600
    page.set_viewport_size(PHONE)
    page.wait_for_function(FRAME_FITS_JS)
    page.wait_for_function(f"() => document.querySelector('iframe.digest-frame')"
                           f".clientHeight > {wide}")  # fmt: skip
    assert sideways_scroll(page) == 0
    # The letter still runs nothing: same origin for our script, no script of its own.
    assert frame.get_attribute("sandbox") == "allow-same-origin"
    page.watch.assert_clean()


def test_the_preview_page_reflows_spaces_and_keeps_control_borders(
    app, open_page, live_server, owner_password
):
    with app.app_context():
        from webapp.core.db import connect

        db = connect(app.config["DATABASE"])
        failed_copy = {
            "week": last_monday(app).isoformat(),
            "attempted_at": "2026-11-30T12:05:00Z",
            "recipients": 1,
            "status": "failed",
            "forced": 1,
            "detail": "could not reach smtp.example.com:587",
        }
        db["digest_sends"].insert(failed_copy)
        db.conn.close()
    page = sign_in(open_page, live_server, owner_password, path="/stats/digest",
                   viewport=DESKTOP)  # fmt: skip
    expect(page.get_by_role("table")).to_contain_text("not sent (on request)")
    problems = []
    for name, viewport in (("320px", NARROW), ("400% zoom", ZOOMED)):
        page.set_viewport_size(viewport)
        problems += [f"{name}: {p}" for p in reflow_problems(page)]
    page.set_viewport_size(NARROW)
    remove = with_text_spacing(page)
    problems += [f"text spacing: {p}" for p in overflowing_boxes(page)]
    remove()
    page.set_viewport_size(DESKTOP)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [f"{scheme}: {f}" for f in low_contrast_borders(page)]
    assert problems == []
    page.watch.assert_clean()
