"""Security headers on every response, CSRF protection for every form, and
request bodies kept small and unread until a route wants them."""

from flask import abort, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

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


def body_limit(max_bytes):
    """Let one view accept bodies up to ``max_bytes`` instead of MAX_CONTENT_LENGTH.

    For a route that needs more than a form, such as a future bookings CSV
    upload: ``@body_limit(2 * 1024 * 1024)`` under its ``@bp.post(...)``.
    Every other route keeps the small site-wide limit (and the proxy's limit
    in deploy/ must then allow that route's size too).
    """

    def decorate(view):
        view.max_content_length = max_bytes
        return view

    return decorate


def limit_request_body():
    """Refuse a body over the limit with 413 before anything reads it."""
    # The request's limit is MAX_CONTENT_LENGTH unless the matched view set
    # its own (body_limit). Werkzeug applies it when the body is read: a
    # chunked body without Content-Length is cut off at the limit with 413.
    # A declared length over it is refused here, unread, whatever the URL:
    # an unknown one as much as the login.
    view = current_app.view_functions.get(request.endpoint)
    own_limit = getattr(view, "max_content_length", None)
    if own_limit is not None:
        request.max_content_length = own_limit
    limit = request.max_content_length
    if limit is None:
        return
    if request.content_length is None:
        # A chunked body: its size is known only once read. Werkzeug stops
        # reading at the limit without a word, so let it read one byte more:
        # read_form_body answers 413 when that byte came.
        request.max_content_length = limit + 1
    elif request.content_length > limit:
        raise RequestEntityTooLarge()


def read_form_body():
    """Parse a form body up front: one that cannot be read is a 400, not a 500."""
    # A request routing refused (unknown URL: 404, wrong method: 405) is
    # answered without its body ever being read.
    if request.routing_exception is not None:
        return
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
        chunked = request.content_length is None
        if chunked and getattr(request.stream, "is_exhausted", False):
            raise RequestEntityTooLarge()  # the byte past the limit came


def init_app(app):
    """Wire CSRF protection and the security headers into the app."""
    app.before_request(limit_request_body)
    app.before_request(read_form_body)  # before CSRFProtect's check
    csrf.init_app(app)
    # Werkzeug answers "/a//b" with a 308 to an absolute URL built from the
    # Host header: a doubled slash is a 404 instead (as "//book" already is).
    app.url_map.merge_slashes = False
    app.after_request(set_security_headers)
