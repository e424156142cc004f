"""The owner's articles from a terminal: ``flask articles list|new|publish|...``.

``list``, ``new``, ``publish``, ``unpublish`` and ``home`` (which article is
the page at "/").

Each change is a saved revision (site/article_changes.py), so the live site
shows it within a second and the editor's history lists it.
"""

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.db import get_migrated_db
from ..core.formatting import long_date
from . import article_changes
from .content import ContentError

articles_group = AppGroup(
    "articles", help="The site's articles: list them, start one, publish one."
)
LIVE_SOON = "The live site shows it within a second, no restart needed."


def _address(article):
    """``article``'s address: the site's own (SITE_URL) before its path."""
    return (current_app.config.get("SITE_URL") or "").rstrip("/") + article.path


def _refusing(change, *args):
    """``change(db, *args)``; a refusal is one line and exit code 1."""
    try:
        return change(get_migrated_db(), *args)
    except ContentError as error:
        raise click.ClickException(str(error)) from None


@articles_group.command("list")
def list_command():
    """List every article: name, title, date or draft, home, and address.

    Example:

    \b
        flask --app webapp articles list
    """
    articles = _refusing(lambda db: article_changes.current_articles(db))
    width = max(len(article.slug) for article in articles)
    for article in articles:
        when = long_date(article.published) if article.published else "draft"
        home = "  home" if article.home else ""
        click.echo(
            f"{article.slug:<{width}}  {article.title}  ({when}){home}  "
            f"{_address(article)}"
        )


@articles_group.command("new")
@click.argument("slug")
@click.option("--title", required=True, help="The article's title.")
def new_command(slug, title):
    """Start a new article as a draft (only you see it until it is published).

    SLUG is its address, /articles/SLUG: lowercase letters, digits and
    hyphens. Write its words in the editor ("Edit the site").

    Example:

    \b
        flask --app webapp articles new prenatal-massage --title "Prenatal massage"
    """
    revision_id = _refusing(article_changes.new_article, slug, title)
    click.echo(
        f"Started the draft {slug} (revision {revision_id}): only you see it "
        "until it is published."
    )


@articles_group.command("publish")
@click.argument("slug")
def publish_command(slug):
    """Publish a draft, dated today (an article published already keeps its date).

    Example:

    \b
        flask --app webapp articles publish prenatal-massage
    """
    revision_id = _refusing(article_changes.publish, slug)
    if revision_id is None:
        click.echo(f"{slug} is published already.")
        return
    click.echo(f"Published {slug} (revision {revision_id}). {LIVE_SOON}")


@articles_group.command("unpublish")
@click.argument("slug")
def unpublish_command(slug):
    """Make an article a draft again: readers no longer see it.

    Example:

    \b
        flask --app webapp articles unpublish prenatal-massage
    """
    revision_id = _refusing(article_changes.unpublish, slug)
    if revision_id is None:
        click.echo(f"{slug} is a draft already.")
        return
    click.echo(f"{slug} is a draft again (revision {revision_id}). {LIVE_SOON}")


@articles_group.command("home")
@click.argument("slug")
def home_command(slug):
    """Make a published article the home page, the page at "/".

    The article that was the home page stays published at its own address.

    Example:

    \b
        flask --app webapp articles home prenatal-massage
    """
    revision_ids = _refusing(article_changes.make_home, slug)
    if revision_ids is None:
        click.echo(f"{slug} is the home page already.")
        return
    click.echo(
        f"{slug} is the home page now (revisions {revision_ids[0]} and "
        f"{revision_ids[1]}). {LIVE_SOON}"
    )
