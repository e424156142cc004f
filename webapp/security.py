"""Security headers on every response, and CSRF protection for every form."""

from flask import abort, request
from flask_wtf.csrf import CSRFProtect

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
    # gunicorn raises OSError while the body is read (a garbled chunk size, a
    # client that stops sending); CSRFProtect reads the form first of all.
    if request.environ.get("CONTENT_TYPE"):
        try:
            request.form  # noqa: B018 (parsing it is the point)
        except OSError:
            abort(400)


def init_app(app):
    """Wire CSRF protection and the security headers into the app."""
    app.before_request(read_form_body)  # before CSRFProtect's check
    csrf.init_app(app)
    app.after_request(set_security_headers)
