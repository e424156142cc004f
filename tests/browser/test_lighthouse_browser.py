"""Lighthouse (npm, mobile profile) gives the articles and privacy pages 100.

Accessibility, best practices and SEO do not depend on the machine's speed,
so they are asserted; performance does, and benchmarks/lighthouse.py prints
it. One Lighthouse run per page, against gunicorn serving the site with its
practice details filled in (a real photo, services and prices).
"""

from urllib.parse import urlsplit

import pytest

from benchmarks.lighthouse import (
    ASSERTED,
    audits_below_full_marks,
    category_scores,
    foreign_requests,
    run_lighthouse,
    served_filled_site,
)

from ..practice_data import write_practice
from ..servers import request, serving
from ..test_articles_pages import SECOND, write_articles


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The filled-in site, served by gunicorn with the shipped config."""
    with served_filled_site(tmp_path_factory.mktemp("lighthouse")) as url:
        article = request(urlsplit(url).port, "/").text
        assert "Jordan Lee" in article  # the practice's details are on the page
        yield url


@pytest.mark.parametrize("path", ["/", "/privacy"])
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


@pytest.fixture(scope="module")
def articles_site(tmp_path_factory):
    """The filled-in site with a second article and a draft, served by gunicorn."""
    folder = tmp_path_factory.mktemp("lighthouse-articles")
    content = write_articles(folder / "content")
    practice = write_practice(folder)
    settings = {"FLASK_CONTENT_DIR": str(content), "FLASK_PRACTICE_FILE": str(practice)}
    with serving(folder, **settings) as server:
        yield f"http://127.0.0.1:{server.port}"


@pytest.mark.parametrize("path", [f"/articles/{SECOND}", "/articles"])
def test_another_article_and_the_list_score_100_too(articles_site, path):
    test_page_scores_100_for_accessibility_best_practices_and_seo(articles_site, path)
