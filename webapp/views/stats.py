"""The owner's stats pages (login required)."""

from flask import Blueprint, render_template

from ..auth import login_required

bp = Blueprint("stats", __name__)


@bp.get("/stats")
@login_required
def index():
    """The owner's landing page."""
    return render_template("stats/index.html")
