"""What every other package stands on: settings, the database, security, errors.

Nothing here imports another package of ours.
"""

from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, backup, checks, compact, db, errors, formatting, security


def init_app(app):
    """Check the configuration, then wire the database, headers, errors, commands."""
    checks.enforce_at_startup(app)
    # Cookies travel only over HTTPS unless we run locally in debug or test mode.
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    db.init_app(app)
    checks.init_app(app)
    backup.init_app(app)
    compact.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)


def trust_proxies(app):
    """Believe X-Forwarded-For/-Proto/-Host only from the configured proxies.

    Called last by ``create_app``: the outermost layer, so that every layer
    inside (the reader's fast path too) sees the client's address and scheme.
    """
    count = app.config["PROXY_COUNT"]
    # A bad count was refused at start-up, except for owner commands, which
    # serve no requests (`flask check` reports it).
    if count and checks.check_proxy_count(app.config).ok:
        # Each proxy appends one address; trusting more than are really there
        # would let a visitor choose the address we see.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
