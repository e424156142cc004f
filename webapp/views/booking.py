"""The booking redirect: every BOOK button goes through here."""

from flask import Blueprint, current_app, redirect, request

from .. import tracking

bp = Blueprint("booking", __name__)


# merge_slashes=False: "//book" is a 404, never a redirect built from the
# request's Host header.
@bp.get("/book", merge_slashes=False)
def book():
    """Send the reader to the booking page; the target never comes from the request."""
    response = redirect(current_app.config["BOOKING_URL"], code=302)
    response.headers["Cache-Control"] = "no-store"
    # Written after the redirect has gone out; a failure is only logged.
    return tracking.record_click(response, request.args.get("from"))
