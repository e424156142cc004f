"""The page's widgets: their words (content/widgets.yaml), state and rules.

Three widgets sit in the article: a side-by-side comparison of medical and
therapeutic massage by aspect, notes on the techniques the article names, and
a short "which one is right for you?" chooser. Their state lives in the page's
URL (``/?aspect=training&technique=swedish&reason=...``), so every state is a
full page that can be reloaded, shared and reached without JavaScript.
"""

import re
import string
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

import yaml
from flask import abort, current_app, g, request, url_for
from werkzeug.datastructures import MultiDict

from .content import CONTENT_DIR, ContentError
from .http import HX_CURRENT_URL, HX_HISTORY_RESTORE
from .placements import UTM_FIELDS, current_utm

WIDGETS_FILE = CONTENT_DIR / "widgets.yaml"

KINDS = ("medical", "therapeutic")
PROVIDER_FIRST = "provider-first"
OUTCOMES = (*KINDS, PROVIDER_FIRST)

# The safety rule: recent surgery or a new injury always means "talk to your
# healthcare provider first", whatever the other answers are. It is code, not
# content, so that no edit of the words can switch it off.
SAFETY_QUESTION = "recent"
SAFETY_ANSWERS = ("surgery", "injury")

# The chooser's submit button sends this, so that an empty submission (no
# answer ticked) still shows "please answer" instead of a blank form.
SUBMIT_PARAM = ("show", "suggestion")

# Query parameters with a meaning of their own: no chooser question may use them.
RESERVED_PARAMS = frozenset(("aspect", "technique", "from", SUBMIT_PARAM[0]))
RESERVED_PARAMS |= frozenset(UTM_FIELDS)

# Page anchors each widget's URLs land on.
ANCHORS = {"aspect": "compare", "technique": "technique-detail"}
CHOOSER_ANCHOR = "chooser-result"

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- The words, as the content file gives them -------------------------------


@dataclass(frozen=True)
class Aspect:
    """One row of the comparison: the two kinds of massage on one aspect."""

    id: str
    label: str
    medical: tuple[str, ...]
    therapeutic: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """The side-by-side comparison widget."""

    show_after: str
    title: str
    intro: str
    nav_label: str
    medical_heading: str
    therapeutic_heading: str
    status: str
    book_lead: str
    book_label: str
    aspects: tuple[Aspect, ...]

    def get(self, aspect_id):
        """The aspect with this id, or None."""
        return next((a for a in self.aspects if a.id == aspect_id), None)

    @property
    def default(self):
        """The aspect shown before the reader picks one."""
        return self.aspects[0]


@dataclass(frozen=True)
class Technique:
    """A technique the article names, in plain words."""

    id: str
    name: str
    kind: str
    what_it_is: str
    feels_like: str
    suits: str
    ask_first: str


@dataclass(frozen=True)
class Techniques:
    """The technique notes widget."""

    show_after: str
    title: str
    intro: str
    groups: dict
    labels: dict
    empty: str
    status: str
    book_label: str
    items: tuple[Technique, ...]

    def get(self, technique_id):
        """The technique with this id, or None."""
        return next((t for t in self.items if t.id == technique_id), None)

    def in_group(self, kind):
        """The techniques usually part of ``kind`` of massage."""
        return [t for t in self.items if t.kind == kind]


@dataclass(frozen=True)
class Answer:
    """One answer to a chooser question, and which way it leans."""

    id: str
    label: str
    leans: str | None
    reason: str | None


@dataclass(frozen=True)
class Question:
    """One chooser question; its id is its URL parameter."""

    id: str
    label: str
    hint: str | None
    answers: tuple[Answer, ...]

    def get(self, answer_id):
        """The answer with this id, or None."""
        return next((a for a in self.answers if a.id == answer_id), None)


@dataclass(frozen=True)
class Outcome:
    """A suggestion the chooser can give, with its booking button."""

    id: str
    title: str
    name: str | None
    summary: str
    next_step: str
    later: str | None
    book_label: str

    @property
    def placement(self):
        """The booking button's placement, which records this outcome."""
        return f"chooser-{self.id}"


@dataclass(frozen=True)
class Chooser:
    """The "which one is right for you?" chooser."""

    # The submit button's name and value (a class constant, not a field).
    submit_param = SUBMIT_PARAM

    show_after: str
    title: str
    intro: str
    submit: str
    result_eyebrow: str
    reasons_heading: str
    disclaimer: str
    errors: dict
    status_result: str
    status_error: str
    questions: tuple[Question, ...]
    outcomes: dict

    @property
    def keys(self):
        """The URL parameters the chooser owns."""
        return (*(q.id for q in self.questions), SUBMIT_PARAM[0])


@dataclass(frozen=True)
class Widgets:
    """All the widgets' words, loaded once at start-up."""

    comparison: Comparison
    techniques: Techniques
    chooser: Chooser

    def after(self, section_id):
        """The widget templates that follow the article section ``section_id``."""
        placed = (
            (self.comparison, "partials/_compare.html"),
            (self.techniques, "partials/_techniques.html"),
            (self.chooser, "partials/_chooser.html"),
        )
        return [
            template for widget, template in placed if widget.show_after == section_id
        ]


# --- Loading and validating the content file ---------------------------------


class _Node:
    """A mapping from the content file that knows its key path, for clear errors."""

    def __init__(self, data, path, file):
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            raise self._error(f"'{path}' must be a set of keys and values")
        self.data = data
        self.used = set()

    def _error(self, message):
        return ContentError(f"{self.file}: {message}")

    def _key(self, key):
        return f"{self.path}.{key}" if self.path else key

    def _raw(self, key, required=True):
        self.used.add(key)
        value = self.data.get(key)
        if required and (value is None or value == "" or value == [] or value == {}):
            raise self._error(f"key '{self._key(key)}' is missing or empty")
        return value

    def text(self, key, required=True, fields=None):
        """A string (spaces folded); a template may use only ``fields``."""
        value = self._raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._error(f"key '{self._key(key)}' must be text (use quotes)")
        value = " ".join(value.split())
        if fields is None:
            return value
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        except ValueError as error:
            raise self._error(f"key '{self._key(key)}': {error}") from error
        unknown = names - set(fields)
        if unknown:
            allowed = ", ".join("{" + f + "}" for f in fields) or "none"
            raise self._error(
                f"key '{self._key(key)}' uses {{{sorted(unknown)[0]}}}; "
                f"allowed here: {allowed}"
            )
        return value

    def paragraphs(self, key):
        """One paragraph of text, or a list of them."""
        value = self._raw(key)
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) and item.strip() for item in items):
            raise self._error(f"key '{self._key(key)}' must be text or a list of texts")
        return tuple(" ".join(item.split()) for item in items)

    def ident(self, key="id"):
        """An id for URLs: lowercase letters, digits and hyphens."""
        value = self._raw(key)
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            raise self._error(
                f"key '{self._key(key)}' must be lowercase letters, digits and "
                f"hyphens (got {value!r}; put yes and no in quotes)"
            )
        return value

    def choice(self, key, allowed, required=True):
        """One of ``allowed``."""
        value = self._raw(key, required)
        if value is None and not required:
            return None
        if value not in allowed:
            raise self._error(
                f"key '{self._key(key)}' must be one of {', '.join(allowed)} "
                f"(got {value!r})"
            )
        return value

    def node(self, key):
        """A nested mapping."""
        return _Node(self._raw(key), self._key(key), self.file)

    def nodes(self, key):
        """A non-empty list of mappings, each with a unique ``id``."""
        value = self._raw(key)
        if not isinstance(value, list):
            raise self._error(f"key '{self._key(key)}' must be a list")
        return [
            _Node(item, f"{self._key(key)}[{index}]", self.file)
            for index, item in enumerate(value)
        ]

    def done(self):
        """Fail on keys nobody reads: they are usually typing mistakes."""
        extra = sorted(str(key) for key in self.data if key not in self.used)
        if extra:
            raise self._error(
                f"unknown key '{self._key(extra[0])}' (a typing mistake?)"
            )


def _unique(nodes_and_items, file):
    """Check that ids are unique within one list."""
    seen = set()
    for node, item in nodes_and_items:
        if item.id in seen:
            raise ContentError(
                f"{file}: key '{node.path}.id': '{item.id}' is used twice"
            )
        seen.add(item.id)
    return tuple(item for _, item in nodes_and_items)


def _load_comparison(node, file):
    """The comparison widget's words."""
    aspects = []
    for item in node.nodes("aspects"):
        aspects.append(
            (
                item,
                Aspect(
                    id=item.ident(),
                    label=item.text("label"),
                    medical=item.paragraphs("medical"),
                    therapeutic=item.paragraphs("therapeutic"),
                ),
            )
        )
        item.done()
    comparison = Comparison(
        show_after=node.ident("show_after"),
        title=node.text("title"),
        intro=node.text("intro"),
        nav_label=node.text("nav_label"),
        medical_heading=node.text("medical_heading"),
        therapeutic_heading=node.text("therapeutic_heading"),
        status=node.text("status", fields=("aspect",)),
        book_lead=node.text("book_lead"),
        book_label=node.text("book_label"),
        aspects=_unique(aspects, file),
    )
    node.done()
    return comparison


def _load_techniques(node, file):
    """The technique notes' words."""
    items = []
    for item in node.nodes("items"):
        items.append(
            (
                item,
                Technique(
                    id=item.ident(),
                    name=item.text("name"),
                    kind=item.choice("kind", KINDS),
                    what_it_is=item.text("what_it_is"),
                    feels_like=item.text("feels_like"),
                    suits=item.text("suits"),
                    ask_first=item.text("ask_first"),
                ),
            )
        )
        item.done()
    groups_node = node.node("groups")
    groups = {kind: groups_node.text(kind) for kind in KINDS}
    groups_node.done()
    labels_node = node.node("labels")
    labels = {
        key: labels_node.text(key)
        for key in ("what_it_is", "feels_like", "suits", "ask_first")
    }
    labels_node.done()
    techniques = Techniques(
        show_after=node.ident("show_after"),
        title=node.text("title"),
        intro=node.text("intro"),
        groups=groups,
        labels=labels,
        empty=node.text("empty"),
        status=node.text("status", fields=("technique",)),
        book_label=node.text("book_label"),
        items=_unique(items, file),
    )
    node.done()
    return techniques


def _load_question(node, file):
    """One chooser question and its answers."""
    answers = []
    for item in node.nodes("answers"):
        answer = Answer(
            id=item.ident(),
            label=item.text("label"),
            leans=item.choice("leans", KINDS, required=False),
            reason=item.text("reason", required=False),
        )
        if answer.leans and not answer.reason:
            raise ContentError(
                f"{file}: key '{item.path}.reason' is missing or empty "
                "(an answer that leans one way says why)"
            )
        answers.append((item, answer))
        item.done()
    question = Question(
        id=node.ident(),
        label=node.text("label"),
        hint=node.text("hint", required=False),
        answers=_unique(answers, file),
    )
    if question.id in RESERVED_PARAMS:
        raise ContentError(
            f"{file}: key '{node.path}.id': '{question.id}' is already used in "
            "the page's address; choose another id"
        )
    node.done()
    return question


def _load_chooser(node, file):
    """The chooser's words, with the answers the safety rule needs."""
    questions = []
    for item in node.nodes("questions"):
        questions.append((item, _load_question(item, file)))
    questions = _unique(questions, file)
    safety = next((q for q in questions if q.id == SAFETY_QUESTION), None)
    for answer_id in SAFETY_ANSWERS:
        answer = safety.get(answer_id) if safety else None
        if answer is None or not answer.reason:
            raise ContentError(
                f"{file}: key 'chooser.questions': the question '{SAFETY_QUESTION}' "
                f"needs the answer '{answer_id}' with a reason (the safety rule "
                "uses it)"
            )
    outcomes_node = node.node("outcomes")
    outcomes = {}
    for outcome_id in OUTCOMES:
        item = outcomes_node.node(outcome_id)
        outcomes[outcome_id] = Outcome(
            id=outcome_id,
            title=item.text("title"),
            name=item.text("name") if outcome_id in KINDS else None,
            summary=item.text("summary"),
            next_step=item.text("next_step"),
            later=(
                item.text("later", fields=("outcome",))
                if outcome_id == PROVIDER_FIRST
                else None
            ),
            book_label=item.text("book_label"),
        )
        item.done()
    outcomes_node.done()
    errors_node = node.node("errors")
    errors = {
        key: errors_node.text(key) for key in ("title", "intro", "missing", "invalid")
    }
    errors_node.done()
    chooser = Chooser(
        show_after=node.ident("show_after"),
        title=node.text("title"),
        intro=node.text("intro"),
        submit=node.text("submit"),
        result_eyebrow=node.text("result_eyebrow"),
        reasons_heading=node.text("reasons_heading"),
        disclaimer=node.text("disclaimer"),
        errors=errors,
        status_result=node.text("status_result", fields=("outcome",)),
        status_error=node.text("status_error"),
        questions=questions,
        outcomes=outcomes,
    )
    node.done()
    return chooser


def load_widgets(path=WIDGETS_FILE, section_ids=None):
    """Read and validate the widgets' content file; ContentError names the key."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot be read: {error}") from error
    root = _Node(data if data is not None else {}, "", path)
    widgets = Widgets(
        comparison=_load_comparison(root.node("comparison"), path),
        techniques=_load_techniques(root.node("techniques"), path),
        chooser=_load_chooser(root.node("chooser"), path),
    )
    root.done()
    if section_ids is not None:
        for name in ("comparison", "techniques", "chooser"):
            section = getattr(widgets, name).show_after
            if section not in section_ids:
                raise ContentError(
                    f"{path}: key '{name}.show_after': the article has no section "
                    f"'{section}' (it has: {', '.join(section_ids)})"
                )
    return widgets


def get_widgets():
    """The widgets' words, loaded at start-up."""
    return current_app.extensions["content"]["widgets"]


def init_app(app):
    """Load and validate content/widgets.yaml once, after the article."""
    article = app.extensions["content"]["article"]
    app.extensions["content"]["widgets"] = load_widgets(
        app.config.get("WIDGETS_FILE", WIDGETS_FILE),
        section_ids=[section.id for section in article.sections],
    )


# --- The chooser's decision rule ---------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """The chooser's suggestion and the reasons for it, in plain words."""

    outcome: Outcome
    reasons: tuple[str, ...]


def recommend(chooser, answers):
    """Suggest medical, therapeutic or provider-first massage for complete answers.

    Recent surgery or a new injury always means "talk to your provider first".
    Otherwise any answer that points to a specific problem means medical
    massage (the article: for an injury, chronic pain or a condition, medical
    massage "might be the better choice"); else therapeutic massage.
    """
    chosen = [q.get(answers[q.id]) for q in chooser.questions]
    medical = [a.reason for a in chosen if a.leans == "medical"]
    therapeutic = [a.reason for a in chosen if a.leans == "therapeutic"]
    lean = "medical" if medical else "therapeutic"
    if answers.get(SAFETY_QUESTION) in SAFETY_ANSWERS:
        outcome = chooser.outcomes[PROVIDER_FIRST]
        safety = next(q for q in chooser.questions if q.id == SAFETY_QUESTION)
        later = outcome.later.format(outcome=chooser.outcomes[lean].name)
        reasons = (safety.get(answers[SAFETY_QUESTION]).reason, later)
        return Recommendation(outcome, reasons)
    reasons = medical if lean == "medical" else therapeutic
    return Recommendation(chooser.outcomes[lean], tuple(reasons))


@dataclass(frozen=True)
class ChooserForm:
    """The chooser as submitted: answers to tick again, problems, suggestion."""

    values: dict
    errors: dict
    submitted: bool = False
    recommendation: Recommendation | None = None

    @property
    def answers(self):
        """The complete, valid answers, or None."""
        return self.values if self.submitted and not self.errors else None


def read_chooser(chooser, args, submitted=False):
    """Check chooser answers from the URL against the allowed ones."""
    raw = {q.id: args.get(q.id, "").strip() for q in chooser.questions}
    submitted = submitted or any(raw.values()) or SUBMIT_PARAM[0] in args
    if not submitted:
        return ChooserForm(values={}, errors={})
    values, errors = {}, {}
    for question in chooser.questions:
        value = raw[question.id]
        if question.get(value):
            values[question.id] = value
        else:
            errors[question.id] = chooser.errors["invalid" if value else "missing"]
    if errors:
        return ChooserForm(values=values, errors=errors, submitted=True)
    return ChooserForm(
        values=values,
        errors={},
        submitted=True,
        recommendation=recommend(chooser, values),
    )


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


def current_page_args():
    """The query of the page the reader is on (htmx sends its URL), or None."""
    url = request.headers.get(HX_CURRENT_URL)
    if not url:
        return None
    try:
        return MultiDict(parse_qsl(urlsplit(url).query))
    except ValueError:  # a malformed header is treated as "no page state"
        return None


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


def record(kind, value):
    """Note one widget use; the click-logging hook writes ``g.widget_events``."""
    if "widget_events" not in g:
        g.widget_events = []
    g.widget_events.append((kind, value))


def record_page_events(view):
    """Note the widget uses a full page load shows (JavaScript off).

    A page URL carries every widget's state, so only what changed since the
    page the reader came from (the Referer, when it is this page) was used
    now. A plain ``/`` and htmx's history restores record nothing.
    """
    if request.headers.get(HX_HISTORY_RESTORE) == "true":
        return
    before = _referring_state(view.content)
    state = view.state
    if state.aspect and state.aspect != before.aspect:
        record("aspect", state.aspect)
    if state.technique and state.technique != before.technique:
        record("technique", state.technique)
    if view.chooser.recommendation and state.answers != before.answers:
        record("chooser", view.chooser.recommendation.outcome.id)


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
