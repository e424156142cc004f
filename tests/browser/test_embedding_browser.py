"""Another website cannot move the owner's numbers through its visitors' browsers.

A page served from another origin on loopback (``localhost``, while the site
is on ``127.0.0.1``: another site to the browser) embeds the site in an
``<img>``, an ``<iframe>``, a ``<script>``, a ``<link rel=prefetch>`` and
``fetch(..., {mode: "no-cors"})``, and posts the chooser's form. In Chromium
nothing of it is counted; all of it is tallied as "embedded or scripted". A
reader's real click on a link from that page, and an address typed, still
count.
"""

import time
from urllib.parse import urlsplit

import pytest

from ..conftest import DESKTOP
from ..test_tracking import rows, tallies
from .conftest import LiveServer

# What the other site's page makes the browser ask for, and what each leaves
# in the tallies.
EMBEDS = """<!doctype html>
<html lang="en"><title>Another site</title>
<img alt="" src="{site}/book?from=header&amp;utm_source=stuffed">
<img alt="" src="{site}/?aspect=training">
<iframe title="x" src="{site}/"></iframe>
<script src="{site}/book?from=footer"></script>
<link rel="prefetch" href="{site}/book?from=article-end">
<script>
  fetch("{site}/book?from=chooser-medical", {{mode: "no-cors"}});
  fetch("{site}/", {{
    method: "POST", mode: "no-cors",
    body: new URLSearchParams({{reason: "stress", referral: "no", today: "none",
                                health: "none", mention: "none", goal: "relax"}}),
  }});
</script>
<p><a id="book" href="{site}/book?from=header">Book a massage</a></p>
</html>
"""
STUFFED = {
    ("embedded", "click"): 4,  # img, script, prefetch, fetch
    ("embedded", "view"): 2,  # img of a widget state, iframe
    ("embedded", "widget"): 2,  # that widget state, the chooser's post
}


def other_site(html):
    """A page on another origin (``localhost``), served in a background thread."""
    body = html.encode()

    def page(environ, start_response):
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ]
        start_response("200 OK", headers)
        return [body]

    return LiveServer(page, host="localhost")


@pytest.fixture
def seen(app):
    """(path, Sec-Fetch-Site, -Dest, -Mode, -User, Sec-Purpose, method) of each
    request the site got.

    Events go to the background writer, as in production: the browser drops
    some of these responses unread (an article is no image), and a response
    dropped before it is closed would never write what the tests' default
    (write on close) waits to write.
    """
    app.config["TRACK_IN_BACKGROUND"] = True
    requests = []
    inner = app.wsgi_app

    def watching(environ, start_response):
        requests.append(
            (
                environ.get("PATH_INFO"),
                environ.get("HTTP_SEC_FETCH_SITE"),
                environ.get("HTTP_SEC_FETCH_DEST"),
                environ.get("HTTP_SEC_FETCH_MODE"),
                environ.get("HTTP_SEC_FETCH_USER"),
                environ.get("HTTP_SEC_PURPOSE"),
                environ.get("REQUEST_METHOD"),
            )
        )
        return inner(environ, start_response)

    app.wsgi_app = watching
    yield requests
    app.wsgi_app = inner


@pytest.fixture
def reader(browser, live_server):
    """A fresh browser tab; nothing beyond loopback is fetched (the booking site).

    Headless Chromium names itself "HeadlessChrome", which the bot rule
    rightly refuses: the tab says what a reader's Chrome says.
    """
    context = browser.new_context(user_agent=DESKTOP)

    def local_only(route):
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", local_only)
    yield context.new_page()
    context.close()


def wait_for(page, read, expected, timeout=30):
    """``read()`` once it equals ``expected``, or what it is when time runs out.

    It waits in the page, so Playwright keeps routing the tab's requests. The
    deadline is generous: on a busy machine the tab's eight requests and the
    background writer may take a while (nothing here is a speed test).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(100)


def test_another_sites_embeds_are_only_tallied_and_a_real_click_counts(
    live_server, reader, database_path, seen
):
    with other_site(EMBEDS.format(site=live_server.url)) as other:
        reader.goto(other.url)
        found = wait_for(reader, lambda: tallies(database_path), STUFFED)
        assert found == STUFFED, (seen, found)
        assert rows(database_path) == [], seen
        # Each embed came to us as another site's (the test's premise).
        assert {site for path, site, *_ in seen} == {"cross-site"}, seen

        # The reader clicks the link: a navigation of theirs, from another site.
        with reader.expect_request(lambda r: "/book" in r.url):
            reader.click("#book", no_wait_after=True)
        clicks = wait_for(reader, lambda: len(rows(database_path)), 1)
        assert clicks == 1, (seen[-1], tallies(database_path))
    (click,) = rows(database_path)
    assert (click["kind"], click["placement"], click["page"]) == (
        "click",
        "header",
        "/",
    )
    assert click["referrer_host"] == "localhost"
    assert seen[-1][1:5] == ("cross-site", "document", "navigate", "?1")

    # The click's redirect to the booking site was refused (nothing leaves
    # loopback): let the tab's error page land before the address is typed,
    # or the two navigations race.
    wait_for(reader, lambda: reader.url, "chrome-error://chromewebdata/")
    # An address typed: a page view.
    reader.goto(live_server.url + "/")

    def kinds():
        return [r["kind"] for r in rows(database_path)]

    views = wait_for(reader, kinds, ["click", "view"])
    assert views == ["click", "view"], seen
    # Typed: no site sent the reader.
    assert ("/", "none", "document", "navigate") in [r[:4] for r in seen]
    assert tallies(database_path) == STUFFED
