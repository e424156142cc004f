"""The article page and the files search engines and monitors ask for."""

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)

from ..core.db import get_db, pending_migrations
from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import csrf
from ..tracking.capture import judge, page_view, record
from . import widget_state
from .content import get_article, get_privacy

bp = Blueprint("site", __name__)


@bp.app_template_global()
def site_url(endpoint="site.index", **values):
    """An absolute URL on the site's public address."""
    base = current_app.config.get("SITE_URL", "").rstrip("/")
    path = url_for(endpoint, **values)
    if base:
        return base + path
    # The host as sent, not request.host_url: that decodes punycode and
    # raises on a label that is not valid punycode ("xn--zz").
    return f"{request.scheme}://{request.host}{path}"


def _article_page(chooser_form=None):
    """This request's visit, widget view and article page (given the chooser's form)."""
    visit = judge(request.environ, request.path)
    view = widget_state.widget_view(visit.utm, chooser_form=chooser_form)
    html = render_template(
        "article/index.html", article=get_article(), widgets=view.content, view=view
    )
    # 422 when the chooser's answers need fixing; the page is complete either way.
    return visit, view, vary_on_htmx(make_response(html, view.status))


@bp.get("/")
def index():
    """The article, with its widgets in the state its URL names; always a full page."""
    # Kept per address by the fast path (fast_path.py), the article's one cache.
    visit, view, response = _article_page()
    # An htmx request for the page (not a history restore) is no page view.
    events = [] if wants_fragment() else [page_view()]
    return record(response, visit, *events, *widget_state.page_uses(view, visit))


# No CSRF token: readers have no session to bind one to, and a post changes
# nothing but a count, which widget_state leaves alone for other sites' posts.
@csrf.exempt
@bp.post("/")
def chooser_page():
    """The article with the chooser's suggestion, for a reader without JavaScript.

    A POST, so that no answer is ever in an address, a history entry or a log.
    """
    visit, view, response = _article_page(chooser_form=request.form)
    response.cache_control.no_store = True  # nothing of the answers is kept
    return record(response, visit, *widget_state.suggestion(view))


@bp.get("/privacy")
def privacy():
    """What the site counts about readers, what it never keeps, and for how long."""
    return render_template("site/privacy.html", page=get_privacy())


@bp.get("/healthz")
def healthz():
    """200 when the app and its database are usable, 503 otherwise."""
    try:
        db = get_db()
        db.execute("SELECT 1").fetchone()
        pending = pending_migrations(db)
    except Exception:  # any database failure means "not healthy"
        current_app.logger.exception("Health check failed")
        return _plain("database unavailable\n", 503)
    if pending:
        return _plain("migrations pending\n", 503)
    return _plain("ok\n", 200)


@bp.get("/robots.txt")
def robots():
    """Let crawlers read the article; keep them off booking and owner pages."""
    body = render_template("site/robots.txt", sitemap_url=site_url("site.sitemap"))
    return _plain(body, 200)


@bp.get("/sitemap.xml")
def sitemap():
    """The public pages, each with its last change date."""
    pages = [
        {"url": site_url(), "lastmod": get_article().published.isoformat()},
        {
            "url": site_url("site.privacy"),
            "lastmod": get_privacy().updated.isoformat(),
        },
    ]
    body = render_template("site/sitemap.xml", pages=pages)
    return Response(body, mimetype="application/xml")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico; answer with the SVG icon."""
    return current_app.send_static_file("favicon.svg")


def _plain(body, status):
    """A short plain-text response that no cache keeps."""
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
