"""The owner's own records beside the clicks: imported bookings and notes.

``summary`` reads bookings for a period (kept, through the website, new
clients, cancelled, directory fees avoided); ``channels`` sorts a booking's
source into website, directory or other. Only the booking itself is ever
stored: no client name, e-mail address, phone number or note.
"""


def init_app(app):
    """Register the bookings and notes commands and pages."""
