"""Benchmark: Lighthouse's four scores for / and /privacy on a phone.

Run from the project folder (`make test` installs npm's lighthouse from
package.json):

    .venv/bin/python benchmarks/lighthouse.py

It serves the site with gunicorn and the shipped config on 127.0.0.1, its
practice details filled in (tests/practice_data.py: therapist and photo,
licence, services and prices), and runs Lighthouse with its mobile profile
(a mid-range phone on a slow 4G connection, simulated) in Debian's Chromium,
``--runs`` times per page. It prints each page's four scores (the median run's
performance, the lowest of the other three), the performance metrics, and
every audit that cost points. Chromium resolves no other host than
127.0.0.1, so nothing leaves the machine; a request to another origin would
fail and show in the list of requests.

tests/browser/test_lighthouse_browser.py asserts accessibility, best practices
and SEO at 100 with the same helpers; performance depends on the machine's
speed, so it is measured here and reported, not asserted.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.practice_data import write_practice  # noqa: E402
from tests.servers import serving  # noqa: E402
from tests.test_articles_pages import SECOND, write_articles  # noqa: E402

LIGHTHOUSE = PROJECT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
PAGES = ("/", f"/articles/{SECOND}", "/articles", "/privacy")
ASSERTED = ("accessibility", "best-practices", "seo")
CATEGORIES = ("performance", *ASSERTED)
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
# Chromium as the browser tests run it, plus: every host but the served one
# resolves to nothing, so neither the page nor Chromium reaches the network.
CHROME_FLAGS = [
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"',
]
RUN_SECONDS = 180


@contextmanager
def served_filled_site(folder):
    """gunicorn serving the site as a practice has it; its URL.

    Every practice block filled in, and the shipped article with a second
    one and a draft beside it (so every article ends with "More from").
    """
    folder = Path(folder)
    practice = write_practice(folder)
    content = write_articles(folder / "content")
    settings = {"FLASK_PRACTICE_FILE": str(practice), "FLASK_CONTENT_DIR": str(content)}
    with serving(folder, **settings) as server:
        yield f"http://127.0.0.1:{server.port}"


def run_lighthouse(url, categories=CATEGORIES, timeout=RUN_SECONDS):
    """One Lighthouse run (mobile profile) of ``url``: its JSON report."""
    if not os.access(LIGHTHOUSE, os.X_OK):
        raise FileNotFoundError(
            f"{LIGHTHOUSE} not found: `make test` installs it (npm ci)"
        )
    # Root cannot use Chromium's sandbox (the browser tests do the same).
    flags = CHROME_FLAGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(categories)}",
            # Listed apart from the categories so every request can be checked.
            "--only-audits=network-requests",
            "--form-factor=mobile",
            "--output=json",
            f"--output-path={report_path}",
            f"--chrome-flags={' '.join(flags)}",
            "--max-wait-for-load=30000",
            "--no-enable-error-reporting",
            "--quiet",
        ]
        env = {**os.environ, "CHROME_PATH": CHROMIUM, "HOME": folder}
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0 or not report_path.exists():
            raise RuntimeError(
                f"lighthouse {url} failed ({result.returncode}): "
                f"{result.stderr.strip()[-2000:]}"
            )
        report = json.loads(report_path.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse {url}: {report['runtimeError']}")
    return report


def category_scores(report):
    """Each category's score out of 100 (None when Lighthouse could not score it)."""
    return {
        name: None if category["score"] is None else round(category["score"] * 100)
        for name, category in report["categories"].items()
    }


def audits_below_full_marks(report, category):
    """The weighted audits of ``category`` that cost points, one line each."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            where = _failing_items(audit)
            lines.append(
                f"{ref['id']}: {audit['title']}, score {audit['score']:.2f}"
                f"{shown}{where}"
            )
    return lines


def _failing_items(audit):
    """A few of the elements or URLs an audit names, for the message."""
    items = (audit.get("details") or {}).get("items") or []
    named = []
    for item in items[:3]:
        node = item.get("node") if isinstance(item, dict) else None
        if isinstance(node, dict) and node.get("selector"):
            named.append(node["selector"])
        elif isinstance(item, dict) and item.get("url"):
            named.append(item["url"])
    return f" at {'; '.join(named)}" if named else ""


def requested_urls(report):
    """Every URL the page asked for while Lighthouse loaded it."""
    items = report["audits"]["network-requests"]["details"]["items"]
    return [item["url"] for item in items]


def foreign_requests(report, origin):
    """The requests the page made to any origin other than ``origin``."""
    return [
        url
        for url in requested_urls(report)
        if urlsplit(url).scheme not in ("data", "blob")
        and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != origin
    ]


def main():
    """Serve the filled-in site, run Lighthouse on each page, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, served_filled_site(folder) as site:
        reports = {
            path: [run_lighthouse(site + path) for _ in range(args.runs)]
            for path in PAGES
        }
        print_report(reports, site)


def print_report(reports, origin):
    """Scores, metrics, lost points and foreign requests, page by page."""
    print(
        f"\nLighthouse {reports[PAGES[0]][0]['lighthouseVersion']}, mobile profile,"
        f" Debian's Chromium, gunicorn on 127.0.0.1, {os.cpu_count()} CPU(s);"
        " practice details filled in:\n"
    )
    for path, runs in reports.items():
        by_performance = sorted(runs, key=lambda r: category_scores(r)["performance"])
        median = by_performance[len(runs) // 2]
        scores = {
            name: min(category_scores(r)[name] for r in runs) for name in ASSERTED
        }
        performances = [category_scores(r)["performance"] for r in runs]
        scores = {"performance": statistics.median(performances), **scores}
        shown = ", ".join(f"{name} {score}" for name, score in scores.items())
        print(f"  {path:<9} {shown}   (performance runs: {performances})")
        metrics = ", ".join(
            f"{median['audits'][m]['title']} {median['audits'][m]['displayValue']}"
            for m in METRICS
        )
        print(f"            {metrics}")
        for category in CATEGORIES:
            for line in audits_below_full_marks(median, category):
                print(f"            {category}: {line}")
        for url in foreign_requests(median, origin):
            print(f"            ANOTHER ORIGIN: {url}")
    print()


if __name__ == "__main__":
    main()
