"""What a request shows: the widgets' state (all of it in the page's URL).

A page URL (``/?aspect=training&technique=swedish&reason=...``) carries every
widget's state, so every state is a full page that can be reloaded, shared
and reached without JavaScript. An htmx fragment changes one widget and
keeps the others' state from the URL of the page the reader is on.
"""

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

from flask import abort, request, url_for
from werkzeug.datastructures import MultiDict

from ..core.http import current_page_args, is_history_restore
from ..tracking.capture import current_utm, note_widget_use
from .chooser import ChooserForm, read_chooser
from .content import get_widgets
from .widget_content import Widgets

# Page anchors each widget's URLs land on.
ANCHORS = {"aspect": "compare", "technique": "technique-detail"}
CHOOSER_ANCHOR = "chooser-result"


# --- State in the URL ----------------------------------------------------------


@dataclass(frozen=True)
class WidgetState:
    """What the reader chose in each widget; it all lives in the page's URL."""

    aspect: str | None = None
    technique: str | None = None
    answers: tuple = ()
    utm: tuple = ()  # the visit's campaign, passed on so booking links keep it

    def params(self, exclude=()):
        """The URL parameters for this state, in a stable order."""
        params = {}
        if self.aspect:
            params["aspect"] = self.aspect
        if self.technique:
            params["technique"] = self.technique
        params.update(self.answers)
        params.update(self.utm)
        return {key: value for key, value in params.items() if key not in exclude}

    def with_answers(self, answers):
        """This state with the chooser's answers (a dict, or None for none)."""
        return replace(self, answers=tuple((answers or {}).items()))

    def page_url(self, anchor=None, **changes):
        """The full page's URL for this state, with ``changes`` applied."""
        state = replace(self, **changes)
        return url_for("site.index", _anchor=anchor, **state.params())


def read_state(args, widgets, strict):
    """The widget state in query ``args``; with ``strict``, unknown ids are a 404."""
    aspect = args.get("aspect", "").strip() or None
    if aspect and widgets.comparison.get(aspect) is None:
        if strict:
            abort(404)
        aspect = None
    technique = args.get("technique", "").strip() or None
    if technique and widgets.techniques.get(technique) is None:
        if strict:
            abort(404)
        technique = None
    form = read_chooser(widgets.chooser, args)
    return WidgetState(aspect, technique, tuple((form.answers or {}).items()))


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

    def chooser_carry(self):
        """Other widgets' state, for the chooser form's hidden fields."""
        return self.state.params(exclude=self.content.chooser.keys).items()

    def chooser_checked(self, question, answer):
        """Whether this answer was the reader's choice."""
        return self.chooser.values.get(question.id) == answer.id

    def chooser_status(self):
        """What the live region says after the chooser answers."""
        chooser = self.content.chooser
        if self.chooser.errors:
            return chooser.status_error
        if self.chooser.recommendation:
            title = self.chooser.recommendation.outcome.title
            return chooser.status_result.format(outcome=title)
        return ""


def page_view():
    """The widgets for a full page load, from its URL (unknown ids are a 404)."""
    widgets = get_widgets()
    state = read_state(request.args, widgets, strict=True)
    state = replace(state, utm=tuple(current_utm().items()))
    chooser = read_chooser(widgets.chooser, request.args)
    return WidgetView(widgets, state, chooser)


def fragment_view(aspect=None, technique=None, chooser_args=None):
    """The widgets for an htmx fragment: one widget's new state, the others kept.

    The other widgets' state comes from the URL of the page the reader is on
    (htmx's ``HX-Current-URL``), so the pushed URL keeps all of it.
    """
    widgets = get_widgets()
    if aspect is not None and widgets.comparison.get(aspect) is None:
        abort(404)
    if technique is not None and widgets.techniques.get(technique) is None:
        abort(404)
    page_args = current_page_args()
    args = page_args if page_args is not None else request.args
    state = read_state(args, widgets, strict=False)
    # The visit's campaign, read where the booking links read it.
    state = replace(state, utm=tuple(current_utm().items()))
    if aspect is not None:
        state = replace(state, aspect=aspect)
    if technique is not None:
        state = replace(state, technique=technique)
    chooser = ChooserForm(values={}, errors={})
    if chooser_args is not None:
        chooser = read_chooser(widgets.chooser, chooser_args, submitted=True)
        state = state.with_answers(chooser.answers)
    return WidgetView(widgets, state, chooser)


# --- Telling the click log what readers used ------------------------------------


def record_page_events(view):
    """Note the widget uses a full page load shows (JavaScript off).

    A page URL carries every widget's state, so only what changed since the
    page the reader came from (the Referer, when it is this page) was used
    now. A plain ``/`` and htmx's history restores record nothing.
    """
    if is_history_restore():
        return
    before = _referring_state(view.content)
    state = view.state
    if state.aspect and state.aspect != before.aspect:
        note_widget_use("aspect", state.aspect)
    if state.technique and state.technique != before.technique:
        note_widget_use("technique", state.technique)
    if view.chooser.recommendation and state.answers != before.answers:
        note_widget_use("chooser", view.chooser.recommendation.outcome.id)


def _referring_state(widgets):
    """The widget state of the page that linked here, if it is the article."""
    referrer = request.referrer or ""
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return WidgetState()
    if parts.netloc != request.host or parts.path != url_for("site.index"):
        return WidgetState()
    return read_state(MultiDict(parse_qsl(parts.query)), widgets, strict=False)
