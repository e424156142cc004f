"""Benchmark: what a phone downloads on its first visit to /, gzipped.

Run from the project folder:

    .venv/bin/python benchmarks/page_weight.py

It serves the site with gunicorn and the shipped config on 127.0.0.1, its
practice details filled in (tests/practice_data.py, with the therapist's
photo), opens / in Debian's Chromium as a 375 x 812 phone with an empty cache
and lists every file the first load fetched (until the network is quiet,
without scrolling; a file fetched twice counted once), plus the icon the page
links (a phone's browser fetches it; headless Chromium may not). htmx is
not in it: site.js loads it only when a widget comes within a screen of view
(or is touched), and the first widget is screens down. Text files
are counted as the shipped proxies send them, gzipped at level 5: nginx's as
deploy/nginx-webapp.conf sets it, and Caddy's default (Caddy sends zstd, a
little smaller, to browsers that take it). The photo is
listed apart, as it is: images are not compressed again. Each proxy's total
for the text files is checked against the 30 KB budget.
"""

import gzip
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.lighthouse import served_filled_site  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import request  # noqa: E402

BUDGET = 30 * 1024
PHONE = {"width": 375, "height": 812}
PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
# Each shipped proxy's gzip level (deploy/nginx-webapp.conf; Caddy's default).
GZIP_LEVELS = {"nginx": 5, "Caddy": 5}
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


def first_load(url):
    """The files a phone fetches when it opens ``url``: (path, type, body) each."""
    files = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                viewport=PHONE,
                is_mobile=True,
                has_touch=True,
                device_scale_factor=3,
                user_agent=PHONE_AGENT,
            )
            page = context.new_page()
            page.on("requestfinished", lambda r: files.append(_fetched(r)))
            page.goto(url, wait_until="networkidle")
            icons = page.eval_on_selector_all(
                "link[rel~=icon]", "links => links.map(link => link.href)"
            )
        finally:
            browser.close()
    unique = {path: (path, kind, body) for path, kind, body in files}
    origin = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    for icon in map(_path, icons):
        if icon not in unique:
            unique[icon] = _download(origin, icon)
    return list(unique.values())


def _fetched(request):
    """(path, content type, body) of a request the page made."""
    response = request.response()
    return (
        _path(request.url),
        response.headers.get("content-type", ""),
        response.body(),
    )


def _download(origin, path):
    """(path, content type, body) of a file the browser did not fetch itself."""
    port = urlsplit(origin).port
    response = request(port, path)
    return path, response.headers.get("content-type", ""), response.body


def _path(url):
    """A URL's path and query, without the origin."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_text(content_type):
    """True for a file the proxy compresses (HTML, CSS, JavaScript, SVG...)."""
    return content_type.startswith(TEXT_TYPES)


def weigh(files):
    """Rows for the text files (path, type, bytes, gzipped per proxy) and images."""
    text, images = [], []
    for path, content_type, body in files:
        kind = content_type.split(";")[0]
        if is_text(content_type):
            sent = [
                len(gzip.compress(body, compresslevel=level, mtime=0))
                for level in GZIP_LEVELS.values()
            ]
            text.append((path, kind, len(body), *sent))
        else:
            images.append((path, kind, len(body)))
    return text, images


def main():
    """Serve the filled-in site, load / as a phone, print the weights."""
    with tempfile.TemporaryDirectory() as folder, served_filled_site(folder) as site:
        files = first_load(urljoin(site, "/"))
    print_report(*weigh(files))


def print_report(text, images):
    """One line per file, the totals against the budget, the images apart."""
    proxies = [f"{name} ({level})" for name, level in GZIP_LEVELS.items()]
    print("\nFirst load of / on a 375 x 812 phone, practice details filled in:\n")
    print(f"  {'file':<50} {'bytes':>8} " + " ".join(f"{p:>11}" for p in proxies))
    for path, _, size, *sent in text:
        print(f"  {path:<50} {size:>8,} " + " ".join(f"{n:>11,}" for n in sent))
    totals = [sum(row[column] for row in text) for column in range(2, len(text[0]))]
    print(
        f"  {'total':<50} {totals[0]:>8,} " + " ".join(f"{n:>11,}" for n in totals[1:])
    )
    for proxy, total in zip(proxies, totals[1:], strict=True):
        verdict = "within" if total <= BUDGET else "OVER"
        print(f"  {proxy}: {total / 1024:.1f} KB, {verdict} the 30 KB budget")
    print("\n  Images, sent as they are (not in the totals):")
    for path, content_type, size in images:
        print(f"  {path:<50} {size:>8,} {content_type}")
    if not images:
        print("  (none on the first load)")
    print()


if __name__ == "__main__":
    main()
