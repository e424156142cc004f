"""The practice's articles: which there are, which one is home, where each lives.

The one place that answers "which article is this page?" for the reader's
pages, tracking's booking links and the owner's numbers. Each article is an
``article.Article`` (its ``path`` is "/" for the home article, else
``/articles/<slug>``); drafts are only ever shown to the signed-in owner.
"""

from flask import abort, current_app

from ..auth.sessions import is_owner

HOME_PATH = "/"


def all_articles():
    """Every article, drafts included: the home article first."""
    return current_app.extensions["content"]["articles"]


def published_articles():
    """The articles readers may see, the home article first."""
    return tuple(article for article in all_articles() if not article.draft)


def home_article():
    """The article served at "/"."""
    return current_app.extensions["content"]["article"]


def find_article(slug, drafts=False):
    """The article called ``slug`` (a draft only with ``drafts``), else None."""
    for article in all_articles():
        if article.slug == slug and (drafts or not article.draft):
            return article
    return None


def article_named(slug):
    """The article ``slug`` names for this visitor (a draft: the owner only), else 404.

    The one rule of an article's page and of its widgets' fragments.
    """
    article = find_article(slug, drafts=is_owner())
    if article is None:
        abort(404)
    return article


def article_at(path):
    """The published article whose address is ``path``, else None."""
    for article in published_articles():
        if article.path == path:
            return article
    return None


def page_of_link(slug):
    """The page a booking link's ``article`` value counts to.

    No value: the home article (every link made before there were several).
    A published article's slug: its address. Anything else: '' (no article,
    never a made-up one).
    """
    if slug is None:
        return HOME_PATH
    article = find_article(slug)
    return article.path if article else ""
