"""A new article (issue 32): a title and an address, saved as a draft.

``/edit/new-article`` asks for both; the address is made from the title
(``suggested_address``) and follows it as it is typed (htmx posts the title
to ``/edit/new-article/address``) until the owner writes one of their own;
without JavaScript an empty address is made from the title on saving. The draft is
saved by ``site.article_changes.new_article``, whose rules refuse a bad or
taken address (422, said beside its box in plain words); it opens in its
editor.
"""

import re
import unicodedata

from flask import flash, redirect, render_template, request, url_for

from ..auth.guard import login_required
from ..core.db import get_db
from ..site import article_changes, revisions
from ..site.content import ContentError
from ..site.loading import SLUG_LIMIT, article_name
from .article_views import ABOUT, FLASH_CATEGORY
from .blueprint import bp
from .pages import Words, owner_words
from .text_views import capitalized

ADDRESS_RULE = (
    "Lowercase letters, digits and hyphens between words, such as "
    f"prenatal-massage, at most {SLUG_LIMIT} characters."
)


def suggested_address(title):
    """An address made from ``title``: its words in plain letters, hyphenated."""
    # Accents dropped (é is e); any other sign parts words (l’épaule: l-epaule).
    plain = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", title)
        if not unicodedata.combining(ch)
    )
    address = ""
    for word in re.findall(r"[a-z0-9]+", plain.lower()):
        joined = f"{address}-{word}" if address else word
        if len(joined) > SLUG_LIMIT:
            break
        address = joined
    return address


def address_field(title, typed, suggested):
    """The address box's value: the owner's own, else made from the title."""
    typed = typed.strip().lower()
    if not typed or typed == suggested:
        return suggested_address(title)
    return typed


def _new_article_page(values, error=None, status=200):
    """The new article's form, with what was typed and a refusal's field."""
    html = render_template(
        "editor/new_article.html",
        values=values,
        error=error,
        address_rule=ADDRESS_RULE,
        suggested=suggested_address(values.get("title", "")),
        slug_limit=SLUG_LIMIT,
        note_limit=revisions.NOTE_LIMIT,
    )
    return html, status


@bp.get("/new-article")
@login_required
def new_article_form():
    """A new article: its title and its address."""
    return _new_article_page({})


@bp.post("/new-article/address")
@login_required
def new_article_address():
    """The address box again, made from the title typed (htmx, as one types)."""
    form = request.form
    title = form.get("title", "")
    slug = address_field(title, form.get("slug", ""), form.get("suggested", ""))
    return render_template(
        "editor/_new_article_address.html",
        values={"title": title, "slug": slug},
        error=None,
        address_rule=ADDRESS_RULE,
        suggested=suggested_address(title),
        slug_limit=SLUG_LIMIT,
    )


def _check_new(title, slug):
    """``(field, reason)`` of a missing title or address, else None."""
    if not title.strip():
        return "title", "Give the article a title."
    if not slug:
        return "slug", f"Give the article an address. {ADDRESS_RULE}"
    return None


def _refusal(error, title, slug):
    """``(field, reason)`` in the owner's words for a refused new article."""
    if isinstance(error, article_changes.BadAddress):
        return "slug", f"This address cannot be used. {ADDRESS_RULE}"
    if isinstance(error, article_changes.AddressOfDeleted):
        return "slug", (
            "An article you deleted had this address: restore it from Deleted "
            "articles on Edit the site, or choose another address."
        )
    if isinstance(error, article_changes.AddressTaken):
        return "slug", "Another article has this address: choose another."
    words = Words("article", article_name(slug), title, ABOUT, slug=slug)
    return "title", capitalized(owner_words(str(error), words))


@bp.post("/new-article")
@login_required
def new_article():
    """Save a new draft from its title and address, then open it to write."""
    form = request.form
    title = " ".join(form.get("title", "").split())
    slug = form.get("slug", "").strip().lower() or suggested_address(title)
    values = {"title": title, "slug": slug, "note": form.get("note", "")}
    problem = _check_new(title, slug)
    if problem is None:
        try:
            article_changes.new_article(get_db(), slug, title, values["note"])
        except ContentError as error:
            problem = _refusal(error, title, slug)
    if problem is not None:
        field, reason = problem
        return _new_article_page(values, {"field": field, "text": reason}, 422)
    flash(
        "Saved as a draft: only you can see it. Write it here, then publish it.",
        FLASH_CATEGORY,
    )
    return redirect(url_for("editor.article_text_page", slug=slug), 303)
