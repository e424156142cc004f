"""The massage practice's site: the article, its widgets, booking clicks, stats."""

import os
from pathlib import Path

from flask import Flask

from . import assets, auth, content, db, errors, placements, security
from .settings import DEFAULTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says why."""


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

    _check_secret_key(app)
    app.config["DATABASE"] = str(PROJECT_ROOT / app.config["DATABASE"])
    # Cookies travel only over HTTPS unless we run locally in debug or test mode.
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)

    content.init_app(app)
    db.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    placements.init_app(app)
    auth.init_app(app)

    from .views import auth as auth_views
    from .views import booking, site
    from .views import stats as stats_views

    app.register_blueprint(site.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(stats_views.bp)
    return app


def _check_secret_key(app):
    """Refuse to start outside debug and testing without a real secret key."""
    if app.debug or app.testing:
        app.config.setdefault("SECRET_KEY", os.urandom(32).hex())
        return
    if not app.config.get("SECRET_KEY"):
        raise ConfigError(
            "FLASK_SECRET_KEY is not set: generate one with "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'`"
        )
