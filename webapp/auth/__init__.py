"""The owner's login: one user, a hashed password, server-side sessions, throttling.

There is one user, the practice owner. The password is kept only as a
Werkzeug scrypt hash in the ``meta`` table (passwords.py). A login starts a
server-side session record (sessions.py), so logging out (or changing the
password) really ends it: an old cookie replayed later no longer grants
access. Failed logins are counted in SQLite (throttle.py), so every
gunicorn worker sees the same count: per address (an IPv6 address's /64,
/56 and /48) and site-wide per hour; the owner's own browser, once signed
in, carries a signed cookie (devices.py) that no one else's failures can
block. guard.py keeps owner pages behind the login.
"""

from ..core.backup import check_on_restore
from . import commands, devices, passwords, throttle, views
from .sessions import SessionOnlyWhenSent, check_owner_session


def init_app(app):
    """Check the owner's session on each request; add the login pages and commands."""
    for defaults in (throttle.CONFIG_DEFAULTS, devices.CONFIG_DEFAULTS):
        for name, value in defaults.items():
            app.config.setdefault(name, value)
    app.session_interface = SessionOnlyWhenSent()
    app.before_request(check_owner_session)
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.set_password_command)
    app.cli.add_command(commands.init_password_command)
    app.cli.add_command(commands.unlock_command)
    check_on_restore(app, passwords.restore_warnings)
