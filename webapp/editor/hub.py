"""``/edit``, the editor's hub: the words and the articles the owner can change.

Your details first, then the articles (each with its status, its links and
its buttons; "New article"; the deleted ones, to restore), then the widget
words and the privacy page, each with when it was last saved.
"""

from flask import get_flashed_messages, render_template

from ..auth.guard import login_required
from ..core.formatting import long_date
from ..site.articles import all_articles
from ..site.loading import article_slug
from .article_views import (
    HUB_CATEGORY,
    deleted_articles,
    deleted_words,
    words_of_article,
)
from .blueprint import bp
from .pages import WORDS, newest_saves, saved_row, skipped_files


def article_status(article):
    """What the hub says of an article: the home page, published when, a draft."""
    if article.home:
        return "Home page"
    if article.draft:
        return "Draft"
    return f"Published {long_date(article.published)}"


@bp.get("")
@login_required
def index():
    """The hub: each kind of words and each article, when last saved, its links."""
    newest = newest_saves()
    skipped = skipped_files()
    articles = [
        {
            **saved_row(words_of_article(article), newest),
            "article": article,
            "status": article_status(article),
        }
        for article in all_articles()
    ]
    rows = [saved_row(words, newest) for words in WORDS.values()]
    shown = {row["words"].file: row["words"] for row in rows + articles}
    # An article written here whose save no longer fits is not on the site at
    # all (no file stands in): its versions are all there is to open.
    not_shown = [
        words
        for name in sorted(skipped.difference(shown))
        if article_slug(name) and (words := deleted_words(article_slug(name)))
    ]
    messages = get_flashed_messages(category_filter=[HUB_CATEGORY])
    return render_template(
        "editor/index.html",
        details=rows[0],
        rows=rows[1:],
        articles=articles,
        deleted=deleted_articles(),
        skipped=[words for file, words in shown.items() if file in skipped],
        not_shown=not_shown,
        message=messages[-1] if messages else "",
    )
