"""The massage practice's site: the article, its widgets, booking clicks, stats."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    assets,
    auth,
    checks,
    content,
    db,
    errors,
    placements,
    security,
    tracking,
    widgets,
)
from .checks import ConfigError as ConfigError
from .settings import DEFAULTS

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
    checks.enforce_at_startup(app)
    _trust_proxies(app)
    # Cookies travel only over HTTPS unless we run locally in debug or test mode.
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)

    content.init_app(app)
    widgets.init_app(app)  # after content: it checks the article's sections
    db.init_app(app)
    checks.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    placements.init_app(app)
    auth.init_app(app)
    tracking.init_app(app)

    from .views import auth as auth_views
    from .views import booking, site
    from .views import stats as stats_views
    from .views import widgets as widget_views

    app.register_blueprint(site.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(stats_views.bp)
    app.register_blueprint(widget_views.bp)
    return app


def _trust_proxies(app):
    """Believe X-Forwarded-For/-Proto/-Host only from the configured proxies."""
    count = app.config["PROXY_COUNT"]
    # A bad count was refused at start-up, except for owner commands, which
    # serve no requests (`flask check` reports it).
    if count and checks.check_proxy_count(app.config).ok:
        # Each proxy appends one address; trusting more than are really there
        # would let a visitor choose the address we see.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
