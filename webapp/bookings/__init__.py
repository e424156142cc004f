"""The owner's own records beside the clicks: imported bookings.

``importer`` reads a booking platform's CSV export (only the booking's own
fields survive the reading); ``summary`` reads bookings for a period (kept,
through the website, new clients, cancelled, directory fees avoided);
``channels`` sorts a booking's source into website, directory or other. Only
the booking itself is ever stored: no client name, e-mail address, phone
number or note.
"""

from ..core.checks import register_check
from . import commands, views
from .checks import check_bookings


def init_app(app):
    """Register the bookings commands, pages and settings check."""
    register_check(app, check_bookings)
    app.register_blueprint(views.bp)
    commands.init_app(app)
