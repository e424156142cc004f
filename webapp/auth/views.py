"""The owner's login and logout pages."""

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError

from ..core.db import get_db
from . import devices, guard, passwords, sessions, throttle

bp = Blueprint("auth", __name__)

NOT_RIGHT = "That password is not right."
FORM_EXPIRED = (
    "This form had expired or did not come from this site, so nothing was sent. "
    "Please try again."
)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on a right password, start the owner's session."""
    next_path = guard.safe_next(request.values.get("next"))
    if request.method == "GET" and sessions.is_owner():
        return redirect(next_path)
    if request.method == "GET":
        return _login_page(next_path)

    db = get_db()
    device = devices.known_device_bucket(db)
    if device is not None:
        # The owner's own browser: its own allowance, never anyone else's pause.
        buckets = [device]
        attempt = throttle.reserve_attempt(db, buckets, ceiling=False)
    else:
        buckets = throttle.client_buckets()
        attempt = throttle.reserve_attempt(db, buckets)
    if not attempt.allowed:
        return _wait_page(next_path, attempt, device is not None)

    password = request.form.get("password", "")
    if not passwords.verify_password(db, password):
        error = NOT_RIGHT
        if attempt.remaining:
            error += (
                f" {attempt.remaining} more attempt"
                f"{'s' if attempt.remaining != 1 else ''} before a short pause."
            )
        else:
            error += " Please wait a few minutes before the next attempt."
        return _login_page(next_path, error=error, status=401)

    throttle.forget_attempts(db, buckets, attempt)
    sessions.start_owner_session(db)
    response = redirect(next_path)
    devices.remember_device(response, db)
    return response


def _wait_page(next_path, attempt, known_device):
    """429: this client (or, for the site-wide ceiling, everyone) must wait."""
    minutes = -(-attempt.retry_after // 60)
    if known_device:
        who = "Too many attempts from this browser."
    elif attempt.blocked_by == "everyone":
        who = (
            "Too many failed sign-ins on this site in the last hour (a browser "
            "you signed in with before can still sign in)."
        )
    else:
        who = "Too many attempts from your connection."
    error = (
        f"{who} For safety, please wait "
        f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
    )
    response = _login_page(next_path, error=error, status=429)
    response.headers["Retry-After"] = str(attempt.retry_after)
    return response


@bp.post("/logout")
def logout():
    """End the owner's session, here and on the server."""
    sessions.end_owner_session(get_db())
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.errorhandler(CSRFError)
def form_expired(error):
    """A missing or wrong CSRF token: say so plainly and offer a fresh form."""
    if request.endpoint == "auth.login":
        next_path = guard.safe_next(request.form.get("next"))
        return _login_page(next_path, error=FORM_EXPIRED, status=400)
    response = make_response(
        render_template(
            "auth/form_expired.html", message=FORM_EXPIRED, owner=sessions.is_owner()
        ),
        400,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(next_path, error=None, status=200):
    """The login form, never cached (it carries a CSRF token)."""
    body = render_template(
        "auth/login.html",
        next_path=next_path,
        error=error,
        password_set=passwords.password_is_set(get_db()),
    )
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response
