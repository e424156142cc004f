"""Booking clicks, page views and widget events: counted honestly, stored privately.

``vocabulary`` holds the words (kinds, reasons, campaign fields) and
imports nothing else of ours; ``classify`` judges a request once (a
``Visit``: who counts); ``capture.record`` appends its events to the
worker's ``journal`` before answering; ``writer`` and ``store`` move them
into SQLite off the request.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..core.backup import keep_out_of_backups
from ..core.checks import register_check
from . import capture
from .journal import DEFAULT_MAX_BYTES
from .journal_folder import check_journal
from .store import SALT_META_KEY


def init_app(app):
    """Check the time zone, start each worker's writer, register the checks."""
    try:
        ZoneInfo(app.config["TIME_ZONE"])
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"FLASK_TIME_ZONE {app.config['TIME_ZONE']!r} is not a known time zone "
            "(use a name like America/New_York)"
        ) from None
    # Tests write synchronously (when the response is closed), so that a
    # test can read what a request stored right after it.
    app.config.setdefault("TRACK_IN_BACKGROUND", not app.testing)
    # Where the workers' journals live (empty: beside the database, as
    # "journal-<database name>/") and how much of them, all workers'
    # together, may wait for the database before events are dropped (and
    # counted). FLASK_JOURNAL_DIR and
    # FLASK_JOURNAL_MAX_BYTES override them.
    app.config.setdefault("JOURNAL_DIR", "")
    app.config.setdefault("JOURNAL_MAX_BYTES", DEFAULT_MAX_BYTES)
    app.before_request(capture.start_writer)
    capture.install_process_hooks()
    # The day's salt would let a copy link a day's visitors: never back it up.
    keep_out_of_backups(app, SALT_META_KEY)
    # A journal folder someone else could write to would let them forge
    # clicks: `flask check` says so (the readers' site runs regardless).
    register_check(app, check_journal)
