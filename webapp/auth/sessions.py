"""The owner's sessions: recorded server-side, so logging out really ends one.

``is_owner()`` is the one answer to "is this the logged-in owner?", for the
owner pages and for the click log (which leaves the owner's visits out).
"""

import hashlib
import secrets
import sqlite3
import time

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from ..core.db import get_db, immediate


def _session_digest(session_id):
    """What the database keeps of a session id (never the id itself)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_owner_session(db):
    """Log the owner in: a fresh session, recorded server-side."""
    now = time.time()
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    session_id = secrets.token_urlsafe(32)
    with immediate(db):
        db["owner_sessions"].delete_where("expires_at <= ?", [now])
        db["owner_sessions"].insert(
            {
                "id_hash": _session_digest(session_id),
                "created_at": now,
                "expires_at": now + lifetime,
            }
        )
    # Nothing from before the login survives into the owner's session.
    session.clear()
    session.permanent = True
    session["owner"] = True
    session["owner_sid"] = session_id
    g.owner_verified = True


def end_owner_session(db):
    """Log the owner out here and forget the server-side record."""
    session_id = session.get("owner_sid")
    if isinstance(session_id, str):
        db["owner_sessions"].delete_where("id_hash = ?", [_session_digest(session_id)])
    session.clear()
    g.owner_verified = False


def _owner_session_is_live(db, session_id):
    """True when ``session_id`` belongs to a session that has not ended."""
    if not isinstance(session_id, str):
        return False
    return bool(
        db["owner_sessions"].count_where(
            "id_hash = ? AND expires_at > ?", [_session_digest(session_id), time.time()]
        )
    )


def check_owner_session():
    """Before each request: drop ``session["owner"]`` if its session has ended."""
    g.owner_verified = False
    # Readers carry no session cookie; leave their session untouched so
    # their pages do not vary on a cookie they never had.
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    if not session.get("owner"):
        return
    try:
        live = _owner_session_is_live(get_db(), session.get("owner_sid"))
    except sqlite3.Error:
        # Fail closed for owner pages, but never break a reader's request.
        current_app.logger.exception("Could not check the owner's session")
        return
    if live:
        g.owner_verified = True
    else:
        session.clear()


def is_owner():
    """True when this request comes from the logged-in owner."""
    if "owner_verified" not in g:
        # Reached before our before_request ran (a CSRF error, for one).
        check_owner_session()
    return g.owner_verified is True


# --- Redirects and the login_required decorator -------------------------------


class SessionOnlyWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, skipping the signing work for readers.

    Readers never get a cookie, so on almost every request there is nothing
    to verify: hand out an empty session without building a serializer.
    """

    def open_session(self, app, request):
        """An empty session when no session cookie was sent, else Flask's."""
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
