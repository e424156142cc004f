"""The owner's login: one user, a hashed password, server-side sessions, throttling.

There is one user, the practice owner. The password is kept only as a
Werkzeug scrypt hash in the ``meta`` table (passwords.py). A login starts a
server-side session record (sessions.py), so logging out (or changing the
password) really ends it: an old cookie replayed later no longer grants
access. Failed logins are counted in SQLite per client (throttle.py), so
every gunicorn worker sees the same count. guard.py keeps owner pages behind
the login.
"""

from . import commands, views
from .sessions import SessionOnlyWhenSent, check_owner_session
from .throttle import CONFIG_DEFAULTS


def init_app(app):
    """Check the owner's session on each request; add the login pages and commands."""
    for name, value in CONFIG_DEFAULTS.items():
        app.config.setdefault(name, value)
    app.session_interface = SessionOnlyWhenSent()
    app.before_request(check_owner_session)
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.set_password_command)
    app.cli.add_command(commands.init_password_command)
