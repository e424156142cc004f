"""The booking redirect every BOOK button goes through, and the call beacon."""

import functools

from flask import Blueprint, current_app, request, url_for
from markupsafe import escape
from werkzeug.urls import iri_to_uri

from ..core.security import body_limit, csrf
from ..tracking.capture import call, click, judge, record
from .placements import UNKNOWN, call_href, normalise_placement

bp = Blueprint("booking", __name__)
# The phone links' beacon address, for templates/partials/_contact.html.
bp.add_app_template_global(call_href)


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
    visit = judge(request.environ, placement_page(placement))
    return record(response, visit, call(placement))


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
