"""The owner's numbers: rollups, reports, periods, the dashboard, exports.

rollups.py summarises finished days once; reports.py answers "how many, from
when to when"; periods.py reads the period asked for; dashboard.py and
charts.py turn two reports into what the page shows; articles.py gives
each article's numbers (the Articles table, ``?article=`` narrowing);
export.py writes CSV and JSON; demo.py makes plausible data to try it all
before launch.
"""

from . import commands, views


def init_app(app):
    """Register the dashboard pages and the owner's number commands."""
    app.register_blueprint(views.bp)
    commands.init_app(app)
