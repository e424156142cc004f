"""The booking redirect every BOOK button goes through, and the call beacon."""

import functools

from flask import Blueprint, current_app, g, request
from markupsafe import escape
from werkzeug.urls import iri_to_uri

from ..core.security import body_limit, csrf
from ..tracking.capture import call, click, judge, record
from .articles import page_of_link
from .placements import ARTICLE_PARAM, UNKNOWN, call_href, normalise_placement

bp = Blueprint("booking", __name__)


@bp.app_template_global("call_href")
def page_call_href(placement):
    """The phone link's beacon at ``placement`` on the article this page shows.

    templates/partials/_contact.html's macro is imported without the page's
    context, so the article comes from ``g`` (set by the page and fragment views).
    """
    return call_href(placement, g.get("article"))


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
    page = placement_page(placement, request.args.get(ARTICLE_PARAM))
    visit = judge(request.environ, page)
    # Journaled before the redirect goes out, stored after; a failure is only logged.
    return record(response, visit, click(placement))


# A beacon carries no body of its own; anything larger is refused unread (413).
CALL_BODY_LIMIT = 1024


# POST only: a GET or HEAD (a link, a prefetch, a crawler) is a 405, never a
# call. No CSRF token: a beacon cannot carry one; classify.judge's Fetch
# Metadata rule for ``call`` counts only our own page's beacon instead.
@bp.post("/call", merge_slashes=False, provide_automatic_options=False)
@csrf.exempt
@body_limit(CALL_BODY_LIMIT)
def call_beacon():
    """Count a press on the practice's phone number; always an empty 204."""
    response = current_app.response_class(
        status=204, headers={"Cache-Control": "no-store"}
    )
    placement = normalise_placement(request.args.get("from"))
    page = placement_page(placement, request.args.get(ARTICLE_PARAM))
    return record(response, judge(request.environ, page), call(placement))


def placement_page(placement, article):
    """The page a booking button or phone link sits on ('' when unknown).

    Every placement is on an article (templates/article/index.html and the
    widget partials it includes), the one its link names (``article``, the
    link's own ``article`` value: none for the home article); an unknown
    placement or article counts to no page. The Referer, which any page can
    set, is never asked.
    """
    if placement == UNKNOWN:
        return ""
    return page_of_link(article)


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
