"""Who may see owner pages: ``login_required``, and safe post-login redirects."""

from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import (
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..core.http import HX_REQUEST, current_page
from .sessions import is_owner

DEFAULT_NEXT = "/stats"
# Paths that must never be a post-login destination (they would loop).
NOT_A_DESTINATION = ("/login", "/logout")


def safe_next(target):
    """``target`` if it is a path on this site, else the stats page."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return DEFAULT_NEXT
    candidate = target
    # Check the raw value and every level of percent-decoding: a browser or
    # proxy may decode once more than we expect.
    for _ in range(4):
        if not _is_local_path(candidate):
            return DEFAULT_NEXT
        decoded = unquote(candidate)
        if decoded == candidate:
            break
        candidate = decoded
    else:
        return DEFAULT_NEXT
    if urlsplit(target).path in NOT_A_DESTINATION:
        return DEFAULT_NEXT
    return target


def _is_local_path(value):
    """A path starting with one slash, no scheme, host, backslash or controls."""
    if not value.startswith("/") or value.startswith("//"):
        return False
    # Browsers treat "\" as "/" and silently drop tabs and newlines, so
    # "/\evil.example" and "/\t/evil.example" both mean another host.
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def _requested_path():
    """This request's path and query, as a ``next`` value."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def machine_format():
    """The kind of a request that cannot follow a redirect, or None for a page."""
    if request.headers.get(HX_REQUEST) == "true":
        return "htmx"
    if request.path.endswith(".json") or request.args.get("format") == "json":
        return "json"
    if request.path.endswith(".csv") or request.args.get("format") == "csv":
        return "csv"
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "text/csv"]
    )
    return {"application/json": "json", "text/csv": "csv"}.get(best)


def login_required(view):
    """Let only the logged-in owner through; others are sent to the login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if is_owner():
            response = make_response(view(*args, **kwargs))
        elif machine_format():
            response = _unauthorized(machine_format())
        else:
            response = redirect(url_for("auth.login", next=_requested_path()))
        # Owner pages hold private numbers: no cache may keep them.
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped


def _unauthorized(kind):
    """401 for a request that cannot follow a redirect to the login form."""
    if kind == "json":
        return make_response(
            jsonify(error="login required", login_url=url_for("auth.login")), 401
        )
    if kind == "csv":
        return Response(
            "Login required: sign in at /login first.\n", 401, mimetype="text/plain"
        )
    body = render_template(
        "partials/_error.html",
        title="Please sign in again",
        detail="Your owner session has ended.",
    )
    response = make_response(body, 401)
    # htmx follows HX-Redirect even on an error status: the whole page goes
    # to the login form, which brings the owner back here afterwards.
    page = current_page()  # None when missing or malformed: no page to go back to
    back = ""
    if page is not None:
        back = page.path + (f"?{page.query}" if page.query else "")
    response.headers["HX-Redirect"] = url_for("auth.login", next=safe_next(back))
    response.vary.add(HX_REQUEST)
    return response
