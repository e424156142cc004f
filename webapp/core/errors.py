"""Friendly error pages in the site's design; never a stack trace."""

from flask import Response, current_app, make_response, render_template, request
from werkzeug.exceptions import BadHost, HTTPException, InternalServerError

from .http import vary_on_htmx, wants_fragment

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    404: (
        "We could not find that page",
        "The link may be old or mistyped. The article is on the home page.",
    ),
    405: ("That is not something this page can do", "Please go back and try again."),
    413: (
        "That was more than this page accepts",
        "Please go back and try again.",
    ),
    429: (
        "Too many attempts",
        "Please wait a few minutes before you try again.",
    ),
    500: (
        "Something went wrong on our side",
        # The page links to BOOKING_URL itself (templates/errors/error.html).
        "Please try again in a moment. If you wanted to book, the booking page "
        "is still open to you.",
    ),
}


def render_error(error):
    """Render an HTTP error as a page, or as a small fragment for htmx."""
    code = error.code or 500
    title, detail = MESSAGES.get(code, (error.name, error.description))
    if isinstance(request.routing_exception, BadHost):
        # Werkzeug could not use the Host header (an IDNA label too long or
        # empty), so no link of the page can be built: say it in plain words.
        body = Response(f"{title}. {detail}\n", mimetype="text/plain")
        return _response(body, code, error)
    template = "partials/_error.html" if wants_fragment() else "errors/error.html"
    response = render_template(template, code=code, title=title, detail=detail)
    return vary_on_htmx(_response(response, code, error))


def _response(body, code, error):
    """Build the response, keeping headers such as ``Retry-After``."""
    response = make_response(body, code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def render_unexpected(error):
    """Log any unexpected exception and show the friendly 500 page."""
    current_app.logger.exception("Unhandled error")
    return render_error(InternalServerError(original_exception=error))


def init_app(app):
    """Register the error handlers."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, render_unexpected)
