"""The widgets' words (content/widgets.yaml) as pydantic models, checked at start-up.

Three widgets sit in the article: a side-by-side comparison of medical and
therapeutic massage by aspect, notes on the techniques the article names, and
a short "which one is right for you?" chooser. Every word they show comes
from the content file; these models say what the file must hold, and
``flask --app webapp content-schema`` publishes the same rules as
content/widgets.schema.json for editors.
"""

import functools
from typing import Annotated, Literal

import yaml
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..tracking.vocabulary import UTM_FIELDS
from .content import (
    CONTENT_DIR,
    ContentError,
    ContentModel,
    Ident,
    IdList,
    OptionalText,
    Paragraphs,
    Text,
    placeholders,
    problem,
    validate,
)

WIDGETS_FILE = CONTENT_DIR / "widgets.yaml"
SCHEMA_FILE = CONTENT_DIR / "widgets.schema.json"

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


# --- The two kinds of massage ------------------------------------------------------


def _kind(value, required=True):
    """One of the two kinds of massage."""
    if value is None and not required:
        return None
    if value not in KINDS:
        raise problem(f" must be one of {', '.join(KINDS)} (got {value!r})")
    return value


Kind = Annotated[Literal["medical", "therapeutic"], BeforeValidator(_kind)]
OptionalKind = Annotated[
    Literal["medical", "therapeutic"] | None,
    BeforeValidator(functools.partial(_kind, required=False)),
]


class SectionWidget(ContentModel):
    """A widget placed after one section of the article."""

    show_after: Ident = Field(
        description="The id of the article section this widget follows: its "
        "heading in lowercase, words joined by hyphens."
    )

    @field_validator("show_after")
    @classmethod
    def _section_exists(cls, value, info: ValidationInfo):
        """The section must exist in the article (when the loader knows them)."""
        section_ids = (info.context or {}).get("section_ids")
        if section_ids is not None and value not in section_ids:
            raise problem(
                f": the article has no section '{value}' "
                f"(it has: {', '.join(section_ids)})"
            )
        return value


# --- The comparison --------------------------------------------------------------


class Aspect(ContentModel):
    """One row of the comparison: the two kinds of massage on one aspect."""

    id: Ident
    label: Text
    medical: Paragraphs
    therapeutic: Paragraphs


class Comparison(SectionWidget):
    """The side-by-side comparison widget."""

    title: Text
    intro: Text
    nav_label: Text
    medical_heading: Text
    therapeutic_heading: Text
    status: Annotated[Text, placeholders("aspect")]
    book_lead: Text
    book_label: Text
    aspects: IdList[Aspect]

    def get(self, aspect_id):
        """The aspect with this id, or None."""
        return next((a for a in self.aspects if a.id == aspect_id), None)

    @property
    def default(self):
        """The aspect shown before the reader picks one."""
        return self.aspects[0]


# --- The technique notes ---------------------------------------------------------


class Technique(ContentModel):
    """A technique the article names, in plain words."""

    id: Ident
    name: Text
    kind: Kind
    what_it_is: Text
    feels_like: Text
    suits: Text
    ask_first: Text


class TechniqueGroups(ContentModel):
    """The heading over each kind's techniques."""

    medical: Text
    therapeutic: Text


class TechniqueLabels(ContentModel):
    """The label of each part of a technique note."""

    what_it_is: Text
    feels_like: Text
    suits: Text
    ask_first: Text


class Techniques(SectionWidget):
    """The technique notes widget."""

    title: Text
    intro: Text
    groups: TechniqueGroups
    labels: TechniqueLabels
    empty: Text
    status: Annotated[Text, placeholders("technique")]
    book_label: Text
    items: IdList[Technique]

    def get(self, technique_id):
        """The technique with this id, or None."""
        return next((t for t in self.items if t.id == technique_id), None)

    def in_group(self, kind):
        """The techniques usually part of ``kind`` of massage."""
        return [t for t in self.items if t.kind == kind]


# --- The chooser -------------------------------------------------------------------


class Answer(ContentModel):
    """One answer to a chooser question, and which way it leans."""

    id: Ident
    label: Text
    leans: OptionalKind = None
    reason: OptionalText = None

    @model_validator(mode="after")
    def _leaning_says_why(self):
        """An answer that leans one way must say why."""
        if self.leans and not self.reason:
            raise problem(
                " is missing or empty (an answer that leans one way says why)",
                at=".reason",
            )
        return self


class Question(ContentModel):
    """One chooser question; its id is its URL parameter."""

    id: Ident
    label: Text
    hint: OptionalText = None
    answers: IdList[Answer]

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value):
        """A question's id must not clash with the page's other parameters."""
        if value in RESERVED_PARAMS:
            raise problem(
                f": '{value}' is already used in the page's address; choose another id"
            )
        return value

    def get(self, answer_id):
        """The answer with this id, or None."""
        return next((a for a in self.answers if a.id == answer_id), None)


class Outcome(ContentModel):
    """A suggestion the chooser can give, with its booking button."""

    title: Text
    summary: Text
    next_step: Text
    book_label: Text
    _id: str = PrivateAttr(default="")

    @property
    def id(self):
        """The outcome's id: its key in the content file."""
        return self._id

    @property
    def placement(self):
        """The booking button's placement, which records this outcome."""
        return f"chooser-{self.id}"


class KindOutcome(Outcome):
    """The suggestion of one kind of massage."""

    name: Text


class ProviderFirstOutcome(Outcome):
    """The suggestion to talk to a healthcare provider first."""

    later: Annotated[Text, placeholders("outcome")]


class ChooserOutcomes(ContentModel):
    """The chooser's three suggestions, by id."""

    model_config = ConfigDict(populate_by_name=True)

    medical: KindOutcome
    therapeutic: KindOutcome
    provider_first: ProviderFirstOutcome = Field(alias=PROVIDER_FIRST)

    def model_post_init(self, context):
        """Tell each suggestion its own id."""
        for outcome_id in OUTCOMES:
            self[outcome_id]._id = outcome_id

    def __getitem__(self, outcome_id):
        """The suggestion with this id (``provider-first`` and the two kinds)."""
        if outcome_id not in OUTCOMES:
            raise KeyError(outcome_id)
        return getattr(self, outcome_id.replace("-", "_"))

    def items(self):
        """``(id, suggestion)`` pairs, in the order of OUTCOMES."""
        return [(outcome_id, self[outcome_id]) for outcome_id in OUTCOMES]

    def values(self):
        """The three suggestions, in the order of OUTCOMES."""
        return [self[outcome_id] for outcome_id in OUTCOMES]


class ChooserErrors(ContentModel):
    """What the chooser says when answers are missing or not allowed."""

    title: Text
    intro: Text
    missing: Text
    invalid: Text


class Chooser(SectionWidget):
    """The "which one is right for you?" chooser."""

    title: Text
    intro: Text
    submit: Text
    result_eyebrow: Text
    reasons_heading: Text
    disclaimer: Text
    errors: ChooserErrors
    status_result: Annotated[Text, placeholders("outcome")]
    status_error: Text
    questions: IdList[Question]
    outcomes: ChooserOutcomes

    @property
    def submit_param(self):
        """The submit button's name and value."""
        return SUBMIT_PARAM

    @property
    def keys(self):
        """The URL parameters the chooser owns."""
        return (*(q.id for q in self.questions), SUBMIT_PARAM[0])

    def question(self, question_id):
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)

    @model_validator(mode="after")
    def _safety_answers_exist(self):
        """The safety rule needs its question and answers, each with a reason."""
        safety = self.question(SAFETY_QUESTION)
        for answer_id in SAFETY_ANSWERS:
            answer = safety.get(answer_id) if safety else None
            if answer is None or not answer.reason:
                raise problem(
                    f": the question '{SAFETY_QUESTION}' needs the answer "
                    f"'{answer_id}' with a reason (the safety rule uses it)",
                    at=".questions",
                )
        return self


class Widgets(ContentModel):
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


def load_widgets(path=WIDGETS_FILE, section_ids=None):
    """Read and validate the widgets' content file; ContentError names the key."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot be read: {error}") from error
    return validate(
        Widgets,
        data if data is not None else {},
        path,
        context={"section_ids": section_ids},
    )


def json_schema():
    """The JSON schema of the content file, for editors that check YAML."""
    schema = Widgets.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "The words of the article's widgets (content/widgets.yaml)"
    return schema
