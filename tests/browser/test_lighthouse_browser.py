"""Lighthouse (npm, mobile profile) gives every article, the list and privacy 100.

Accessibility, best practices and SEO do not depend on the machine's speed,
so they are asserted; performance does, and benchmarks/lighthouse.py prints
it. One Lighthouse run per page, against gunicorn serving the site with its
practice details filled in (a real photo, services and prices).
"""

from urllib.parse import urlsplit

import pytest

from benchmarks.lighthouse import (
    ASSERTED,
    PAGES,
    audits_below_full_marks,
    category_scores,
    foreign_requests,
    run_lighthouse,
    served_filled_site,
)

from ..servers import request


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The filled-in site, served by gunicorn with the shipped config."""
    with served_filled_site(tmp_path_factory.mktemp("lighthouse")) as url:
        article = request(urlsplit(url).port, "/").text
        assert "Jordan Lee" in article  # the practice's details are on the page
        yield url


@pytest.mark.parametrize("path", PAGES)
def test_page_scores_100_for_accessibility_best_practices_and_seo(site, path):
    try:
        report = run_lighthouse(site + path, categories=ASSERTED)
    except FileNotFoundError as error:
        pytest.fail(str(error), pytrace=False)
    assert report["finalDisplayedUrl"] == site + path
    lost = {
        category: audits_below_full_marks(report, category) for category in ASSERTED
    }
    assert category_scores(report) == dict.fromkeys(ASSERTED, 100), lost
    # Everything the page needs comes from the site itself: no web fonts,
    # scripts or images from elsewhere (Chromium could not reach them here).
    assert foreign_requests(report, site) == []
