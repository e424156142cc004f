"""htmx fragment endpoints for the comparison, technique and chooser widgets.

Each endpoint answers a real htmx request with the widget's partial and an
``HX-Push-Url`` naming the full page in the same state; any other request is
sent to that full page, so a fragment never stands in for a page. A widget on
an article other than the home one names it (``?article=<slug>``): its page,
its pushed address and the page its uses count to are that article's.
"""

from flask import Blueprint, g, make_response, redirect, render_template, request

from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import csrf
from ..tracking.capture import judge, record, widget_use
from ..tracking.classify import page_utm
from . import widget_state
from .chooser import CHANGE_PARAM
from .content import get_widgets
from .placements import ARTICLE_PARAM

bp = Blueprint("widgets", __name__, url_prefix="/widgets")


@bp.get("/compare/<aspect>")
def compare(aspect):
    """One aspect's two columns (medical | therapeutic)."""
    visit, view = _view(aspect=aspect)
    if not wants_fragment():
        return _to_page(view.state.page_url(widget_state.ANCHORS["aspect"]))
    push_url = view.state.page_url("compare")
    use = widget_use("aspect", aspect)
    return _fragment("partials/_compare_fragment.html", view, push_url, visit, use)


@bp.get("/techniques/<technique>")
def technique(technique):
    """One technique's plain-words description."""
    visit, view = _view(technique=technique)
    push_url = view.state.page_url(widget_state.ANCHORS["technique"])
    if not wants_fragment():
        return _to_page(push_url)
    use = widget_use("technique", technique)
    return _fragment("partials/_technique_fragment.html", view, push_url, visit, use)


@bp.get("/chooser")
def chooser_address():
    """The chooser's old address: its answers are never read from a URL."""
    return _to_page(_chooser_url())


# No CSRF token: readers have no session; see site.views.chooser_page.
@csrf.exempt
@bp.post("/chooser")
def chooser():
    """The chooser with the reader's answers: a suggestion, or what to fix (422).

    The answers come in the POST body and the page's URL is not changed, so
    they never reach an address, the browser's history or a log.
    """
    if not wants_fragment():
        # Not htmx: 307 posts the same answers to the page, which answers them
        # ("Change my answers": at the chooser's top, the form alone).
        changing = request.form.get(CHANGE_PARAM[0]) == CHANGE_PARAM[1]
        anchor = widget_state.CHOOSER_TOP if changing else widget_state.CHOOSER_ANCHOR
        return vary_on_htmx(redirect(_chooser_url(anchor), code=307))
    visit, view = _view(chooser_form=request.form)
    events = widget_state.suggestion(view)
    return _fragment("partials/_chooser_fragment.html", view, None, visit, *events)


def _article():
    """The article this fragment belongs to (its link's ``article``), else a 404."""
    return widget_state.linked_article(request.args.get(ARTICLE_PARAM))


def _view(**change):
    """This request judged, and the widgets for its fragment (one widget changed).

    Its widget uses belong to its article's page, whatever page htmx says.
    """
    article = _article()
    visit = judge(request.environ, article.path)
    g.article = article  # for the phone links' beacon (booking.page_call_href)
    view = widget_state.widget_view(visit.utm, article, fragment=True, **change)
    return visit, view


def _fragment(template, view, push_url, visit, *uses):
    """Render a widget partial for htmx, counting its ``uses``; push the page's URL."""
    body = render_template(
        template,
        article=view.state.article,
        widgets=view.content,
        view=view,
        live_update=True,
    )
    response = make_response(body, view.status)
    if push_url:
        response.headers["HX-Push-Url"] = push_url
    # Fragments are not pages: keep them out of search results and caches.
    response.headers["X-Robots-Tag"] = "noindex"
    response.cache_control.no_store = True
    return record(vary_on_htmx(response), visit, *uses)


def _chooser_url(anchor=widget_state.CHOOSER_ANCHOR):
    """The article's chooser (its result, or ``anchor``), in this address's state."""
    state = widget_state.read_state(request.args, get_widgets(), strict=False)
    utm = page_utm(request.environ)
    return widget_state.article_url(_article(), _anchor=anchor, **state.params(), **utm)


def _to_page(url):
    """Send a request that is not htmx's to the full page in the same state."""
    return vary_on_htmx(redirect(url, code=302))
