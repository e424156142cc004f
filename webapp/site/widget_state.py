"""What a request shows: the widgets' state, and the chooser's answers.

A page URL (``/?aspect=training&technique=swedish``, or an article's own
address, ``/articles/<slug>?aspect=training``) carries the comparison's and
the technique notes' state, so each of those is a full page that can be
reloaded, shared and reached without JavaScript. An htmx fragment changes one
widget and keeps the others' state from the URL of the page the reader is on.

The chooser's answers are health information and never go in a URL: they
come in a POST body (the page's own form, or htmx's) and live only as long
as the request.
"""

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

from flask import abort, request, url_for
from werkzeug.datastructures import MultiDict

from ..core.http import current_page_args, is_history_restore
from ..tracking.capture import widget_use
from .article import Article
from .articles import article_named, home_article
from .chooser import ChooserForm, read_chooser
from .chooser_services import offers_call, service_lines
from .content import get_widgets
from .placements import article_args
from .widget_content import Widgets

# Page anchors each widget's URLs land on.
ANCHORS = {"aspect": "compare", "technique": "technique-detail"}
CHOOSER_ANCHOR = "chooser-result"
CHOOSER_TOP = "chooser"  # the chooser's title: where "Change my answers" lands


# --- Which article --------------------------------------------------------------


def article_endpoint(article):
    """The endpoint and values of ``article``'s page (None: the home article)."""
    if article is None or article.home:
        return "site.index", {}
    return "site.article", {"slug": article.slug}


def article_url(article, **values):
    """The address of ``article``'s page, with ``values`` as ``url_for`` takes them."""
    endpoint, own = article_endpoint(article)
    return url_for(endpoint, **own, **values)


def linked_article(slug):
    """The article a fragment's ``article`` value names (None: home), else a 404.

    A draft only for the signed-in owner, as its page.
    """
    return home_article() if slug is None else article_named(slug)


# --- State in the URL ----------------------------------------------------------


@dataclass(frozen=True)
class WidgetState:
    """What the reader chose in each widget; it all lives in the page's URL."""

    aspect: str | None = None
    technique: str | None = None
    utm: tuple = ()  # the visit's campaign, passed on so booking links keep it
    article: Article | None = None  # the article the widgets are on (None: home)

    def params(self, exclude=()):
        """The URL parameters for this state, in a stable order."""
        params = {}
        if self.aspect:
            params["aspect"] = self.aspect
        if self.technique:
            params["technique"] = self.technique
        params.update(self.utm)
        return {key: value for key, value in params.items() if key not in exclude}

    def page_url(self, anchor=None, **changes):
        """The full page's URL for this state, with ``changes`` applied."""
        state = replace(self, **changes)
        return article_url(self.article, _anchor=anchor, **state.params())


# Each widget's state in the URL, and where its known ids are.
STATE_PARAMS = {"aspect": "comparison", "technique": "techniques"}


def _known(widgets, name, value, strict):
    """``value`` if it names a known aspect or technique, else None (or a 404)."""
    if value and getattr(widgets, STATE_PARAMS[name]).get(value) is None:
        if strict:
            abort(404)
        return None
    return value or None


def read_state(args, widgets, strict):
    """The widget state in query ``args``; with ``strict``, unknown ids are a 404."""
    return WidgetState(
        *(
            _known(widgets, name, args.get(name, "").strip(), strict)
            for name in STATE_PARAMS
        )
    )


# --- What one request shows ----------------------------------------------------


@dataclass(frozen=True)
class WidgetView:
    """The widgets as one request shows them: words, state and chooser result."""

    content: Widgets
    state: WidgetState
    chooser: ChooserForm

    @property
    def aspect(self):
        """The aspect on show (the first one until the reader picks another)."""
        return self.content.comparison.get(self.state.aspect) or (
            self.content.comparison.default
        )

    @property
    def technique(self):
        """The open technique, or None."""
        return self.content.techniques.get(self.state.technique)

    @property
    def status(self):
        """The 422 status when the chooser's answers need fixing, else 200."""
        return 422 if self.chooser.errors else 200

    def fragment_url(self, endpoint, **values):
        """A widget fragment's address, naming this page's article (not home's)."""
        return url_for(endpoint, **values, **article_args(self.state.article))

    def chooser_action(self):
        """Where the chooser's form posts without JavaScript: this page's state."""
        return self.state.page_url(CHOOSER_ANCHOR)

    def chooser_services(self, practice):
        """The practice's service lines the chooser's suggestion names (maybe none)."""
        recommendation = self.chooser.recommendation
        return service_lines(practice, recommendation.outcome) if recommendation else []

    def chooser_offers_call(self, practice):
        """Whether the chooser's suggestion says "Questions? Call <the practice>"."""
        recommendation = self.chooser.recommendation
        return bool(recommendation) and offers_call(practice, recommendation.outcome)

    def chooser_status(self):
        """What the live region says after the chooser answers."""
        chooser = self.content.chooser
        if self.chooser.errors:
            return chooser.status_error
        if self.chooser.recommendation:
            title = self.chooser.recommendation.outcome.title
            return chooser.status_result.format(outcome=title)
        return ""


def widget_view(utm, article, fragment=False, chooser_form=None, **change):
    """The widgets on ``article`` as this request shows them, page or fragment.

    A page's state is in its own URL (an unknown id there is a 404). A
    fragment (``fragment``) changes one widget (``change``: an unknown id is a
    404) and keeps the others' state from the URL of the page the reader is
    on (htmx's ``HX-Current-URL``), so the pushed URL keeps all of it. ``utm``
    is the visit's campaign, passed on so booking links keep it;
    ``chooser_form`` the chooser's posted form, when the reader sent it.
    """
    widgets = get_widgets()
    args = current_page_args(request.environ) if fragment else None
    state = read_state(request.args if args is None else args, widgets, not fragment)
    change = {
        name: _known(widgets, name, value, True) for name, value in change.items()
    }
    state = replace(state, utm=tuple(utm.items()), article=article, **change)
    chooser = ChooserForm(values={}, errors={})
    if chooser_form is not None:
        chooser = read_chooser(widgets.chooser, chooser_form, submitted=True)
    return WidgetView(widgets, state, chooser)


# --- Telling the click log what readers used ------------------------------------


def page_uses(view, visit):
    """The widget uses a full page load shows (JavaScript off), as events.

    A page URL carries the comparison's and the notes' state, so only what
    changed since the page the reader came from (the Referer, when it is this
    page) was used now. A plain ``/``, htmx's history restores and a reader
    landing on a shared state (a link on another site, a bookmark, a typed
    address: the browser's Fetch Metadata says so) record nothing. Whether a
    request counts at all is tracking's rule
    (``tracking.classify.fetched_by_reader``).
    """
    fetch = visit.fetch
    landed = fetch and fetch.top_level_navigation and fetch.site != "same-origin"
    if landed or is_history_restore(request.environ):
        return []
    before = _referring_state(view)
    return [
        widget_use(name, value)
        for name in STATE_PARAMS
        if (value := getattr(view.state, name)) and value != getattr(before, name)
    ]


def suggestion(view):
    """The chooser's suggestion as an event (never the answers), each post once.

    Another site's form can post to the chooser; it gets its answer, and
    tracking tallies its post as "embedded or scripted" instead of counting it
    (``tracking.classify.fetched_by_reader``).
    """
    recommendation = view.chooser.recommendation
    if recommendation is None:
        return []
    return [widget_use("chooser", recommendation.outcome.id)]


def _referring_state(view):
    """The widget state of the page that linked here, if it is this article."""
    referrer = request.referrer or ""
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return WidgetState()
    if parts.netloc != request.host or parts.path != article_url(view.state.article):
        return WidgetState()
    query = MultiDict(parse_qsl(parts.query))
    return read_state(query, view.content, strict=False)
