"""The booking redirect: every BOOK button goes through here."""

from flask import Blueprint, current_app, redirect

bp = Blueprint("booking", __name__)


@bp.get("/book")
def book():
    """Send the reader to the booking page; the target never comes from the request."""
    response = redirect(current_app.config["BOOKING_URL"], code=302)
    response.headers["Cache-Control"] = "no-store"
    return response
