"""Security headers on every response, and CSRF protection for every form."""

from flask import abort, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

csrf = CSRFProtect()

# No inline script or style anywhere: everything comes from our own origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def set_security_headers(response):
    """Add the CSP and its companions; HSTS only over HTTPS."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def read_form_body():
    """Parse a form body up front: one that cannot be read is a 400, not a 500."""
    # CSRFProtect reads the form of these methods first of all. While it is
    # read, the server raises its own errors for a client's broken body:
    # gunicorn's InvalidChunkSize or NoMoreData, an OSError when the client
    # went away. Other methods' bodies are never read (GET /book redirects).
    methods = current_app.config["WTF_CSRF_METHODS"]
    if request.method in methods and request.environ.get("CONTENT_TYPE"):
        try:
            request.form  # noqa: B018 (parsing it is the point)
        except HTTPException:
            raise  # Werkzeug's own answer, such as 413 for a body too large
        except Exception as error:
            current_app.logger.warning(
                "Request body could not be read (%s)", type(error).__name__
            )
            abort(400)


def init_app(app):
    """Wire CSRF protection and the security headers into the app."""
    app.before_request(read_form_body)  # before CSRFProtect's check
    csrf.init_app(app)
    # Werkzeug answers "/a//b" with a 308 to an absolute URL built from the
    # Host header: a doubled slash is a 404 instead (as "//book" already is).
    app.url_map.merge_slashes = False
    app.after_request(set_security_headers)
