"""The owner's own records beside the clicks: imported bookings.

``importer`` reads a booking platform's CSV export (only the booking's own
fields survive the reading; ``channels`` turns its source into one of six
channels); ``batches`` stores it as an import the owner can undo, where
``matching`` knows a booking met again by its id's keyed hash or its
fingerprint and ``status_changes`` what a later export changes on it;
``summary`` reads bookings for a period (kept, pending apart, through the
website, new clients, cancelled, directory fees avoided). Only the booking
itself is ever stored: no client name, e-mail address, phone number, note or
source text, and a booking id only as its keyed hash.
"""

from ..core.checks import register_check
from . import commands, views
from .checks import check_bookings


def init_app(app):
    """Register the bookings commands, pages and settings check."""
    register_check(app, check_bookings)
    app.register_blueprint(views.bp)
    commands.init_app(app)
