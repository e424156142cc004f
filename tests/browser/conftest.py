"""Browser fixtures: a live server on loopback and Debian's headless Chromium."""

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


class LiveServer:
    """A WSGI app served by a real HTTP server on 127.0.0.1 in a background thread.

    ``host`` is the name its URL uses: ``localhost`` makes it another site to
    the browser than the app on ``127.0.0.1``.
    """

    def __init__(self, app, host="127.0.0.1"):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The test app, reachable over real HTTP."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; a missing browser is an error, never a skip."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's 'chromium' package "
            "(make test does this when run as root)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class PageWatch:
    """Records requests to other origins and CSP violations seen by a page."""

    def __init__(self, page, origin):
        self.origin = origin
        self.foreign_requests = []
        self.csp_violations = []
        self.page_errors = []
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _on_request(self, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if f"{url.scheme}://{url.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    def _on_console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def assert_clean(self):
        """Fail if the page reached another origin, broke the CSP or threw."""
        assert self.foreign_requests == []
        assert self.csp_violations == []
        assert self.page_errors == []


@pytest.fixture
def open_page(browser, live_server):
    """Open a page of the live site: ``open_page(path, viewport=..., js=...)``."""
    contexts = []

    def _open(path="/", viewport=PHONE, js=True, **context_options):
        context = browser.new_context(
            viewport=viewport, java_script_enabled=js, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.watch = PageWatch(page, live_server.url)
        page.goto(live_server.url + path)
        return page

    yield _open
    for context in contexts:
        context.close()


def axe_violations(page):
    """Run axe-core (the npm package) in the page and return its violations."""
    # Evaluated through the DevTools protocol, which the page's CSP does not
    # govern, so the CSP under test stays on.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in result["violations"]
    ]


def page_without_scripts(open_page, live_server, path, **options):
    """The page a reader without JavaScript gets, in a tab where axe can run.

    axe needs timers, which never run in a page with JavaScript disabled, so
    the page is opened with JavaScript on but its own scripts replaced by empty
    files: the DOM is exactly the one a no-JS reader sees, and its forms post
    full pages.
    """
    page = open_page("/robots.txt", **options)
    page.route(
        lambda url: urlsplit(url).path.endswith(".js"),
        lambda route: route.fulfill(
            status=200, body="", content_type="text/javascript"
        ),
    )
    page.goto(live_server.url + path)
    assert page.get_by_role("tab").count() == 0  # site.js did not run
    return page


# --- WCAG checks beyond axe (issue 17): measured in the page, generic -------

# WCAG 1.4.12's text-spacing overrides, as a user style sheet would apply them.
TEXT_SPACING_CSS = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
    " word-spacing: 0.16em !important; }"
    " p { margin-bottom: 2em !important; }"
)
NARROW = {"width": 320, "height": 740}
# 400% zoom of a 1280 x 900 window: 320 x 225 CSS pixels.
ZOOMED = {"width": 320, "height": 225}

# Shared in-page helpers: a short selector path for messages, "is this shown
# to sighted readers", and the nearest ancestor that scrolls sideways.
_JS_HELPERS = """
const shortPath = (el) => {
  const parts = [];
  for (let n = el; n && n.nodeType === 1 && parts.length < 4; n = n.parentElement) {
    let part = n.localName;
    if (n.id) { parts.unshift(part + '#' + n.id); break; }
    const cls = [...n.classList].slice(0, 2);
    if (cls.length) part += '.' + cls.join('.');
    parts.unshift(part);
  }
  return parts.join(' > ');
};
const hiddenAncestor = (el) => {
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const s = getComputedStyle(n);
    if (s.display === 'none' || s.visibility === 'hidden') return true;
    if (s.clip && s.clip !== 'auto') return true;
    if (s.clipPath && s.clipPath !== 'none') return true;
    const r = n.getBoundingClientRect();
    if (s.overflow !== 'visible' && (r.width <= 1 || r.height <= 1)) return true;
  }
  return false;
};
const shown = (el) => el.getClientRects().length > 0 && !hiddenAncestor(el);
const scrollsSideways = (s) => s.overflowX === 'auto' || s.overflowX === 'scroll';
const inScrollingRegion = (el) => {
  for (let n = el.parentElement; n; n = n.parentElement) {
    if (n === document.documentElement || n === document.body) return false;
    if (scrollsSideways(getComputedStyle(n))) return true;
  }
  return false;
};
"""

_OVERFLOW_JS = (
    "() => {"
    + _JS_HELPERS
    + """
  const out = [];
  const boxes = 'td, th, label, button, a, input, legend, summary, h1, h2, h3, h4';
  for (const el of document.querySelectorAll(boxes)) {
    if (!shown(el) || inScrollingRegion(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${shortPath(el)}: content ${el.scrollWidth}px in a box `
        + `${el.clientWidth}px wide ("${el.innerText.trim().slice(0, 40)}")`);
    }
  }
  // Text clipped by an ancestor that hides its overflow (scrolling ones are
  // fine: the reader can scroll to the text).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.data.trim() || !t.parentElement || !shown(t.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(t);
    const rects = [...range.getClientRects()].filter((r) => r.width && r.height);
    const html = document.documentElement;
    for (let a = t.parentElement; a && a !== html; a = a.parentElement) {
      const s = getComputedStyle(a);
      const scrolls = s.overflowY === 'auto' || s.overflowY === 'scroll';
      if (scrollsSideways(s) || scrolls) break;
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const box = a.getBoundingClientRect();
      const left = box.left + a.clientLeft, top = box.top + a.clientTop;
      const right = left + a.clientWidth, bottom = top + a.clientHeight;
      const clippedX = s.overflowX !== 'visible'
        && rects.some((r) => r.left < left - 1 || r.right > right + 1);
      const clippedY = s.overflowY !== 'visible'
        && rects.some((r) => r.top < top - 1 || r.bottom > bottom + 1);
      if ((clippedX || clippedY) && !seen.has(t.parentElement)) {
        seen.add(t.parentElement);
        const r = rects.reduce((u, x) => ({
          left: Math.min(u.left, x.left), right: Math.max(u.right, x.right),
          top: Math.min(u.top, x.top), bottom: Math.max(u.bottom, x.bottom)}));
        out.push(`${shortPath(t.parentElement)}: text "${t.data.trim().slice(0, 40)}" `
          + `(${Math.round(r.right - r.left)}x${Math.round(r.bottom - r.top)}px) `
          + `clipped by ${shortPath(a)} (${a.clientWidth}x${a.clientHeight}px, `
          + `overflow ${s.overflowX}/${s.overflowY})`);
      }
    }
  }
  return out;
}"""
)


def overflowing_boxes(page):
    """Boxes whose content is wider than they are, and text clipped from view.

    A table cell, label, button, link, input, legend, summary or heading
    whose ``scrollWidth`` exceeds its ``clientWidth`` (outside a region that
    scrolls sideways), and any text cut off by an ancestor hiding overflow.
    """
    return page.evaluate(_OVERFLOW_JS)


def with_text_spacing(page):
    """Apply the WCAG 1.4.12 overrides; returns a function that removes them.

    A constructed style sheet, as a user style sheet or extension adds it: an
    inline ``<style>`` would be refused by the page's CSP.
    """
    page.evaluate(
        """css => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          window.__textSpacing = sheet;
          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }""",
        TEXT_SPACING_CSS,
    )

    def remove():
        page.evaluate(
            """() => document.adoptedStyleSheets = document.adoptedStyleSheets
                .filter(sheet => sheet !== window.__textSpacing)"""
        )

    return remove


_REFLOW_JS = (
    "() => {"
    + _JS_HELPERS
    + """
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > window.innerWidth + 1 && shown(el) && !inScrollingRegion(el);
    }).slice(0, 5).map((el) => `${shortPath(el)} (right edge ${Math.round(
      el.getBoundingClientRect().right)}px)`);
    out.push(`page scrolls sideways: ${root.scrollWidth}px of content in `
      + `${window.innerWidth}px; widest: ${wide.join('; ')}`);
  }
  const skip = new Set(['checkbox', 'radio', 'hidden', 'range', 'color', 'file',
                        'image', 'submit', 'button', 'reset']);
  for (const el of document.querySelectorAll('input, textarea, select')) {
    if (skip.has(el.type) || !shown(el)) continue;
    const text = el.localName === 'select'
      ? (el.selectedOptions[0] || {}).text || '' : el.value || el.placeholder;
    let need = el.scrollWidth;
    if (el.type === 'date' || el.localName === 'select' || el.type === 'time') {
      // The shown text is not in scrollWidth: measure it in the control's font.
      const s = getComputedStyle(el);
      const canvas = document.createElement('canvas').getContext('2d');
      canvas.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const shownText = el.type === 'date' && el.value
        ? new Date(el.value + 'T00:00').toLocaleDateString(navigator.language,
            {year: 'numeric', month: '2-digit', day: '2-digit'})
        : text;
      const spacing = parseFloat(s.letterSpacing) || 0;
      const pad = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
      // The date picker's icon takes about one line height at the end.
      const icon = el.type === 'date' ? parseFloat(s.fontSize) * 1.5 : 0;
      need = Math.ceil(canvas.measureText(shownText).width
        + spacing * shownText.length + pad + icon);
    }
    if (need > el.clientWidth + 1) {
      out.push(`${shortPath(el)}: value "${text.slice(0, 30)}" needs ${need}px, `
        + `field is ${el.clientWidth}px`);
    }
  }
  return out;
}"""
)


def reflow_problems(page):
    """Sideways page scroll, and inputs that cannot show their whole value."""
    return page.evaluate(_REFLOW_JS)


_CONTRAST_JS = (
    "() => {"
    + _JS_HELPERS
    + """
  const ctx = document.createElement('canvas')
    .getContext('2d', {willReadFrequently: true});
  ctx.canvas.width = ctx.canvas.height = 1;
  const rgba = (colour) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, below) => top.slice(0, 3).map(
    (c, i) => c * top[3] + below[i] * (1 - top[3])).concat(1);
  const canvasColour = matchMedia('(prefers-color-scheme: dark)').matches
    && getComputedStyle(document.documentElement).colorScheme.includes('dark')
    ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const backdrop = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reduceRight((below, top) => over(top, below), canvasColour);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const hex = (c) => '#' + c.slice(0, 3).map(
    (v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const controls = 'a[href], button, input, select, textarea, [tabindex], '
    + '[aria-invalid="true"], :is(input, select, textarea, fieldset):is('
    + '[class*="error"], [class*="invalid"])';
  const out = [];
  for (const el of document.querySelectorAll(controls)) {
    if (!shown(el) || el.type === 'hidden') continue;
    const s = getComputedStyle(el);
    const behind = backdrop(el.parentElement);
    const seen = new Set();
    for (const side of ['Top', 'Right', 'Bottom', 'Left']) {
      const width = parseFloat(s[`border${side}Width`]);
      const style = s[`border${side}Style`];
      const colour = rgba(s[`border${side}Color`]);
      if (!width || style === 'none' || style === 'hidden' || colour[3] === 0) continue;
      const shownColour = over(colour, behind);
      const r = ratio(shownColour, behind);
      const key = hex(shownColour);
      if (r < 3 && !seen.has(key)) {
        seen.add(key);
        out.push({
          element: shortPath(el)
            + (el.getAttribute('aria-invalid') === 'true' ? ' [aria-invalid]' : ''),
          border: key, behind: hex(behind), ratio: r.toFixed(2),
          side: `${side.toLowerCase()} ${width}px`,
        });
      }
    }
  }
  return out;
}"""
)


def low_contrast_borders(page):
    """Borders of focusable or invalid controls under 3:1 against their backdrop.

    One dict per element and colour: ``element`` (a selector path),
    ``border`` and ``behind`` (hex), ``ratio`` and ``side``.
    """
    return page.evaluate(_CONTRAST_JS)


def grouped(findings, key, item, limit=6):
    """Findings grouped by ``key(f)``: one line each, naming a few ``item(f)``."""
    groups = {}
    for finding in findings:
        groups.setdefault(key(finding), {}).setdefault(item(finding), None)
    lines = []
    for heading, items in groups.items():
        names = list(items)
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        lines.append(f"{heading}: {'; '.join(names[:limit])}{more}")
    return lines


def live_region_texts(page):
    """The text of every live region (status, alert, log or aria-live)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            '[role=status], [role=alert], [role=log], [aria-live]:not([aria-live=off])'
        )].map((el) => el.textContent.replace(/\\s+/g, ' ').trim()).filter(Boolean)"""
    )


# Answers (question id -> answer id) leading to three of the outcomes; the
# chooser's safety browser test walks every safety tier.
NOTHING_CHECKED = {"today": "none", "health": "none", "mention": "none"}
JOURNEYS = {
    "medical": {
        "reason": "problem",
        "referral": "yes",
        **NOTHING_CHECKED,
        "goal": "relief",
    },
    "therapeutic": {
        "reason": "stress",
        "referral": "no",
        **NOTHING_CHECKED,
        "goal": "relax",
    },
    "provider-first": {
        "reason": "upkeep",
        "referral": "no",
        **NOTHING_CHECKED,
        "health": "surgery",
        "goal": "relax",
    },
}
