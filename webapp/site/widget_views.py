"""htmx fragment endpoints for the comparison, technique and chooser widgets.

Each endpoint answers a real htmx request with the widget's partial and an
``HX-Push-Url`` naming the full page in the same state; any other request is
sent to that full page, so a fragment never stands in for a page.
"""

from flask import Blueprint, make_response, redirect, render_template, request, url_for

from ..core.http import vary_on_htmx, wants_fragment
from ..core.security import csrf
from ..tracking.capture import current_utm, note_page, note_widget_use
from . import widget_state
from .content import get_article

bp = Blueprint("widgets", __name__, url_prefix="/widgets")


@bp.get("/compare/<aspect>")
def compare(aspect):
    """One aspect's two columns (medical | therapeutic)."""
    view = _view(aspect=aspect)
    if not wants_fragment():
        return _to_page(view.state.page_url(widget_state.ANCHORS["aspect"]))
    note_widget_use("aspect", aspect)
    return _fragment(
        "partials/_compare_fragment.html", view, view.state.page_url("compare")
    )


@bp.get("/techniques/<technique>")
def technique(technique):
    """One technique's plain-words description."""
    view = _view(technique=technique)
    anchor = widget_state.ANCHORS["technique"]
    if not wants_fragment():
        return _to_page(view.state.page_url(anchor))
    note_widget_use("technique", technique)
    return _fragment(
        "partials/_technique_fragment.html", view, view.state.page_url(anchor)
    )


@bp.get("/chooser")
def chooser_address():
    """The chooser's old address: its answers are never read from a URL."""
    return _to_page(
        url_for("site.index", _anchor=widget_state.CHOOSER_ANCHOR, **current_utm())
    )


# No CSRF token: readers have no session; see site.views.chooser_page.
@csrf.exempt
@bp.post("/chooser")
def chooser():
    """The chooser with the reader's answers: a suggestion, or what to fix (422).

    The answers come in the POST body and the page's URL is not changed, so
    they never reach an address, the browser's history or a log.
    """
    if not wants_fragment():
        # Not htmx: 307 posts the same answers to the page, which answers them.
        url = url_for(
            "site.index", _anchor=widget_state.CHOOSER_ANCHOR, **current_utm()
        )
        return vary_on_htmx(redirect(url, code=307))
    view = _view(chooser_form=request.form)
    widget_state.record_suggestion(view)
    return _fragment("partials/_chooser_fragment.html", view, None, view.status)


def _view(**change):
    """The widgets for a fragment: one widget's new state, the page's campaign."""
    return widget_state.widget_view(current_utm(), fragment=True, **change)


def _fragment(template, view, push_url, status=200):
    """Render a widget partial for htmx; push the full page's URL when it worked."""
    body = render_template(
        template,
        article=get_article(),
        widgets=view.content,
        view=view,
        live_update=True,
    )
    # Its widget uses belong to the article page, whatever page htmx says.
    note_page(url_for("site.index"))
    response = make_response(body, status)
    if push_url:
        response.headers["HX-Push-Url"] = push_url
    # Fragments are not pages: keep them out of search results and caches.
    response.headers["X-Robots-Tag"] = "noindex"
    response.cache_control.no_store = True
    return vary_on_htmx(response)


def _to_page(url):
    """Send a request that is not htmx's to the full page in the same state."""
    return vary_on_htmx(redirect(url, code=302))
