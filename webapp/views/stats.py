"""The owner's stats pages (login required)."""

from datetime import timedelta

from flask import Blueprint, render_template

from .. import stats
from ..auth import login_required
from ..db import get_db
from ..tracking import local_today

bp = Blueprint("stats", __name__)

# The landing page's period until the dashboard's period picker arrives.
LANDING_DAYS = 7


@bp.get("/stats")
@login_required
def index():
    """The owner's landing page: this week's headline numbers."""
    today = local_today()
    start = today - timedelta(days=LANDING_DAYS - 1)
    report = stats.report(get_db(), start, today, today=today)
    return render_template("stats/index.html", totals=report.totals())
