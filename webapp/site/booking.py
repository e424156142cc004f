"""The booking redirect: every BOOK button goes through here."""

import functools

from flask import Blueprint, current_app, request, url_for
from markupsafe import escape
from werkzeug.urls import iri_to_uri

from ..tracking.capture import click, judge, record
from .placements import UNKNOWN, normalise_placement

bp = Blueprint("booking", __name__)


# merge_slashes=False: "//book" is a 404, never a redirect built from the
# request's Host header.
@bp.get("/book", merge_slashes=False)
def book():
    """Send the reader to the booking page; the target never comes from the request."""
    location, body = _redirect_to(current_app.config["BOOKING_URL"])
    response = current_app.response_class(
        body, status=302, headers={"Location": location, "Cache-Control": "no-store"}
    )
    placement = normalise_placement(request.args.get("from"))
    visit = judge(request.environ, placement_page(placement))
    # Journaled before the redirect goes out, stored after; a failure is only logged.
    return record(response, visit, click(placement))


def placement_page(placement, article_page=None):
    """The page a booking button sits on, from its placement ('' when unknown).

    Every placement is on the article (templates/article/index.html and the
    widget partials it includes); the Referer, which any page can set, is
    never asked. ``article_page`` is the article's path when already known
    (the fast path has no request context to build it in).
    """
    if placement == UNKNOWN:
        return ""
    return article_page or url_for("site.index")


@functools.lru_cache(maxsize=4)
def _redirect_to(url):
    """The Location header and the small HTML body of a redirect to ``url``."""
    location = iri_to_uri(url)
    body = (
        '<!doctype html>\n<html lang="en"><title>Redirecting...</title>'
        f'<p>Continue to <a href="{escape(location)}">the booking page</a>.</p>'
        "</html>\n"
    )
    return location, body
