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
    """The app served by a real HTTP server on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
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
