"""The article pages, their list and the files search engines and monitors ask for."""

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..core.db import get_db, pending_migrations
from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import csrf
from ..tracking.capture import judge, page_view, record
from . import widget_state
from .articles import article_named, home_article, published_articles
from .content import get_privacy

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


@bp.app_template_global()
def article_site_url(article):
    """The absolute address of ``article``'s page (its canonical address)."""
    endpoint, values = widget_state.article_endpoint(article)
    return site_url(endpoint, **values)


bp.add_app_template_global(widget_state.article_url)


def newest_first(articles):
    """``articles`` newest first (the order of /articles and "More from")."""
    return sorted(articles, key=lambda article: article.published, reverse=True)


def _article_page(article, chooser_form=None):
    """Visit, widget view and ``article``'s page (with the chooser's form)."""
    # Its uses and views count to the article's own address (tracking's page).
    visit = judge(request.environ, article.path)
    view = widget_state.widget_view(visit.utm, article, chooser_form=chooser_form)
    g.article = article  # for the phone links' beacon (booking.page_call_href)
    others = [other for other in published_articles() if other.slug != article.slug]
    html = render_template(
        "article/index.html",
        article=article,
        widgets=view.content,
        view=view,
        more_articles=newest_first(others),
    )
    # 422 when the chooser's answers need fixing; the page is complete either way.
    response = vary_on_htmx(make_response(html, view.status))
    if article.draft:
        # Only the signed-in owner gets here: never kept, never indexed.
        response.cache_control.no_store = True
        response.headers["X-Robots-Tag"] = "noindex"
    return visit, view, response


def _shown(visit, view, response):
    """A GET of an article page recorded: its view and the widget uses it shows."""
    # An htmx request for the page (not a history restore) is no page view.
    events = [] if wants_fragment() else [page_view()]
    return record(response, visit, *events, *widget_state.page_uses(view, visit))


def _answered(visit, view, response):
    """The chooser's no-JS form answered on an article's page, recorded."""
    response.cache_control.no_store = True  # nothing of the answers is kept
    return record(response, visit, *widget_state.suggestion(view))


@bp.get("/")
def index():
    """The home article, its widgets in the state its URL names; always a full page."""
    # Kept per address by the fast path (fast_path.py), the article's one cache.
    return _shown(*_article_page(home_article()))


# No CSRF token: readers have no session to bind one to, and a post changes
# nothing but a count, which widget_state leaves alone for other sites' posts.
@csrf.exempt
@bp.post("/")
def chooser_page():
    """The home article with the chooser's suggestion, for a reader without JavaScript.

    A POST, so that no answer is ever in an address, a history entry or a log.
    """
    return _answered(*_article_page(home_article(), chooser_form=request.form))


def _to_home():
    """The home article's own address ("/"), the query kept; 308 keeps a POST."""
    query = request.query_string.decode("latin-1")
    return redirect(url_for("site.index") + (f"?{query}" if query else ""), 308)


@bp.get("/articles/<slug>")
def article(slug):
    """Another article at its own address, widgets in the state its URL names."""
    article = article_named(slug)
    if article.home:
        return _to_home()
    return _shown(*_article_page(article))


# No CSRF token, as chooser_page.
@csrf.exempt
@bp.post("/articles/<slug>")
def article_chooser_page(slug):
    """Another article with the chooser's suggestion, for a reader without JS."""
    article = article_named(slug)
    if article.home:
        return _to_home()
    return _answered(*_article_page(article, chooser_form=request.form))


@bp.get("/articles")
def articles():
    """The published articles, newest first: each title and one-line description."""
    listed = newest_first(published_articles())
    return render_template("site/articles.html", articles=listed)


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
    """The public pages, each with its last change date: every published article."""
    listed = published_articles()
    newest = max(article.published for article in listed)
    pages = [
        {"url": article_site_url(article), "lastmod": article.published.isoformat()}
        for article in listed
    ]
    pages += [
        {"url": site_url("site.articles"), "lastmod": newest.isoformat()},
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
