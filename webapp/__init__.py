"""The massage practice's site: the article, its widgets, booking clicks, stats.

``create_app`` wires one package per concern (docs/architecture.md is the map):
core (database, settings, security, errors, checks), auth (the owner's
login), tracking (counting what readers do), site (the article, its widgets,
the booking redirect), editor (the owner edits the site's words in the
browser), bookings (the owner's imported bookings), notes (the
owner's notes on the timeline), stats (the owner's numbers) and digest (the
weekly letter). Imports run one way: digest -> stats -> notes -> bookings ->
editor -> site -> tracking -> auth -> core.
"""

from pathlib import Path

from flask import Flask

from . import auth, bookings, core, digest, editor, notes, site, stats, tracking
from .core.checks import ConfigError as ConfigError
from .core.settings import DEFAULTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Create and configure the Flask app (the WSGI entry point)."""
    app = Flask(
        __name__,
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["DATABASE"] = str(PROJECT_ROOT / app.config["DATABASE"])

    core.init_app(app)
    site.load_content(app)  # content mistakes stop start-up before anything runs
    auth.init_app(app)
    tracking.init_app(app)
    site.init_app(app)
    editor.init_app(app)
    bookings.init_app(app)
    notes.init_app(app)
    stats.init_app(app)
    digest.init_app(app)
    core.trust_proxies(app)
    return app
