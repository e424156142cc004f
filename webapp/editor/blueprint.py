"""The editor's one blueprint: every page under ``/edit``, the owner's only."""

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/edit")


@bp.after_request
def _never_kept(response):
    # The owner's words as typed, and even a 404 raised before login_required
    # adds its own header: no cache keeps any answer under /edit.
    response.headers["Cache-Control"] = "no-store"
    return response
