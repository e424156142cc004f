"""Each article's own numbers: the dashboard's Articles table and its narrowing.

A report (reports.py) holds every page's headline counts (``Report.pages``,
keyed by the event's ``page``: "/" the home article, "/articles/<slug>" the
others, '' a booking click whose link named no published article). Here they
get the article's title (site/articles.py, the one home of "which article")
and the click-through rate with its rough-guide flag (charts.is_rough, the
honesty rule every rate on the dashboard follows). ``?article=<slug>`` narrows
the whole dashboard, its JSON and CSV files to one article's page.
"""

from dataclasses import dataclass

from ..core.formatting import rate
from ..site.articles import HOME_PATH, all_articles, find_article, published_articles
from ..tracking.vocabulary import CALL, CLICK, VIEW, WIDGET
from .charts import is_rough
from .reports import CHOOSER_DIMENSION
from .rollups import ALL_PAGES, TOTAL

# The row of booking clicks whose link named no published article.
NO_ARTICLE_TITLE = "No article (a booking link that named none)"


class UnknownArticle(ValueError):
    """``?article=`` names no article: the owner's words say so."""


@dataclass
class ArticleRow:
    """One article's (or page's) numbers in the Articles table."""

    page: str
    title: str
    # The article's slug, for narrowing (None: a page no article has now).
    slug: str | None
    page_views: int
    unique_visitors: int
    booking_clicks: int
    unique_clickers: int
    calls: int
    unique_callers: int
    chooser_suggestions: int
    draft: bool = False
    # The article itself (None: a page no article has now), for its link.
    article: object = None

    @property
    def click_through_rate(self):
        """Unique clickers per unique visitor, or None without visitors."""
        return rate(self.unique_clickers, self.unique_visitors)

    @property
    def rough(self):
        """True when the rate rests on too few visitors to mean much."""
        return is_rough(self.unique_visitors)

    def as_json(self):
        """The row for ``/stats.json`` and ``flask stats --json``."""
        return {
            "article": self.slug,
            "title": self.title,
            "page": self.page,
            "draft": self.draft,
            "page_views": self.page_views,
            "unique_visitors": self.unique_visitors,
            "booking_clicks": self.booking_clicks,
            "unique_clickers": self.unique_clickers,
            "click_through_rate": self.click_through_rate,
            "rate_is_rough_guide": self.rough,
            "calls": self.calls,
            "unique_callers": self.unique_callers,
            "chooser_suggestions": self.chooser_suggestions,
        }


def page_of(slug):
    """The page ``?article=<slug>`` narrows to: ALL_PAGES for none.

    Raises UnknownArticle for a slug no article has (drafts included).
    """
    if slug is None or slug == "":
        return ALL_PAGES
    article = find_article(slug, drafts=True)
    if article is None:
        raise UnknownArticle(
            "There is no article with that name: it may have been deleted, or "
            "the address was mistyped."
        )
    return article.path


def title_of(slug):
    """The title of the article called ``slug``, drafts too ('' for none)."""
    article = find_article(slug, drafts=True) if slug else None
    return article.title if article else ""


def articles_words():
    """How the owner's words name what readers read: one article or several.

    "the article" while the site has one published article (today's words),
    "your articles" once it has more.
    """
    return "the article" if len(published_articles()) < 2 else "your articles"


def what_articles_bring():
    """ "what the article brings", or "what your articles bring" with several."""
    words = articles_words()
    return f"what {words} {'brings' if words == 'the article' else 'bring'}"


def rows(report):
    """Every article, then any other page with events, biggest clicks first after."""
    counts = report.pages
    result = []
    for article in all_articles():
        page_counts = counts.get(article.path, {})
        if article.draft and not page_counts:
            continue
        row = _row(article.path, article.title, article.slug, page_counts)
        row.draft, row.article = article.draft, article
        result.append(row)
    known = {row.page for row in result}
    others = [
        _row(page, NO_ARTICLE_TITLE if page == "" else page, None, page_counts)
        for page, page_counts in counts.items()
        if page not in known
    ]
    others.sort(key=lambda row: (-row.booking_clicks, row.title))
    return result + others


def shows_table(article_rows):
    """The table is worth showing: several articles, or events off the home page."""
    return len(article_rows) > 1 or any(row.page != HOME_PATH for row in article_rows)


def _row(page, title, slug, counts):
    """One row from a page's (kind, dimension, value) counts."""
    views, visitors = counts.get((VIEW, TOTAL, ""), (0, 0))
    clicks, clickers = counts.get((CLICK, TOTAL, ""), (0, 0))
    calls, callers = counts.get((CALL, TOTAL, ""), (0, 0))
    chooser = sum(
        n
        for (kind, dim, value), (n, _u) in counts.items()
        if kind == WIDGET and dim == CHOOSER_DIMENSION and value.startswith("chooser:")
    )
    return ArticleRow(
        page, title, slug, views, visitors, clicks, clickers, calls, callers, chooser
    )
