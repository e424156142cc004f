"""The chooser's words and weights (the ``chooser:`` part of content/widgets.yaml).

The chooser asks a few questions and suggests medical massage, therapeutic
massage, or talking to a healthcare provider first. What it may suggest is
partly the owner's (the words, each answer's lean and weight) and partly
fixed in code (the safety answers and the tie-breaking question), so that no
edit of the words can switch the safety rule off.
"""

import functools
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..tracking.vocabulary import UTM_FIELDS
from .content import (
    ContentModel,
    Ident,
    IdList,
    OptionalText,
    Text,
    check_placeholders,
    placeholders,
    problem,
)

KINDS = ("medical", "therapeutic")
PROVIDER_FIRST = "provider-first"
OUTCOMES = (*KINDS, PROVIDER_FIRST)

# The safety rule: any of these answers means "talk to your healthcare
# provider first", whatever the other answers are. Recent surgery or a new
# injury, and the red flags of massage (the contraindications every massage
# school teaches). Start-up refuses a content file that drops one of them.
SAFETY_ANSWERS = {
    "recent": ("surgery", "injury"),
    "health": (
        "pregnant",
        "blood-clot",
        "blood-thinners",
        "fever",
        "cancer",
        "skin",
        "fragile-bones",
        "heart",
        "diabetes",
        "new-pain",
    ),
}
# The answer of a tick-all question that says "none of these apply".
NONE_ANSWER = "none"

# When the answers weigh the same both ways, the reader's goal decides.
TIE_BREAKER = "goal"

# The chooser's submit button sends this, so that an empty submission (no
# answer ticked) still shows "please answer" instead of a blank form.
SUBMIT_PARAM = ("show", "suggestion")

# Query parameters with a meaning of their own: no chooser question may use them.
RESERVED_PARAMS = frozenset(("aspect", "technique", "from", SUBMIT_PARAM[0]))
RESERVED_PARAMS |= frozenset(UTM_FIELDS)


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


class Answer(ContentModel):
    """One answer to a chooser question, which way it leans and how much."""

    id: Ident
    label: Text
    leans: OptionalKind = None
    weight: int = Field(
        default=1,
        ge=1,
        le=9,
        description="How much this answer counts towards its lean (1 to 9).",
    )
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
    """One chooser question; its id is its form field's name."""

    id: Ident
    label: Text
    hint: OptionalText = None
    multiple: bool = Field(
        default=False,
        description="Tick all that apply (checkboxes) instead of one answer.",
    )
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

    @model_validator(mode="after")
    def _tick_all_does_not_lean(self):
        """A tick-all question screens for safety: its answers lean neither way."""
        if self.multiple:
            for index, answer in enumerate(self.answers):
                if answer.leans:
                    raise problem(
                        " must be left out: answers to a tick-all question "
                        "lean neither way",
                        at=f".answers[{index}].leans",
                    )
            if self.get(NONE_ANSWER) is None:
                raise problem(
                    f": a tick-all question needs the answer '{NONE_ANSWER}'",
                    at=".answers",
                )
        return self

    def get(self, answer_id):
        """The answer with this id, or None."""
        return next((a for a in self.answers if a.id == answer_id), None)

    def is_none_of_these(self, answer):
        """Whether ``answer`` is a tick-all question's "none of these"."""
        return self.multiple and answer.id == NONE_ANSWER


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


# The texts of a kind's suggestion that may name the service: {name} as
# written, {Name} with a capital first letter (for a title).
NAMED_TEXTS = ("title", "summary", "next_step", "book_label")


class KindOutcome(Outcome):
    """The suggestion of one kind of massage, named as the practice names it."""

    name: Text = Field(
        description="The service's name as the practice advertises it; the "
        "title, summary, next step and button may use it as {name} or {Name}."
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_in_name(cls, data):
        """Put the service's name into the texts that use {name} or {Name}."""
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return data  # the field checks say what is wrong
        name = " ".join(data["name"].split())
        names = {"name": name, "Name": name[:1].upper() + name[1:]}
        filled = dict(data)
        for key in NAMED_TEXTS:
            value = data.get(key)
            if isinstance(value, str):
                try:
                    check_placeholders(value, tuple(names))
                except PydanticCustomError as error:
                    raise problem(error.context["text"], at=f".{key}") from None
                filled[key] = value.format(**names)
        return filled


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
    missing_multiple: Text = Field(
        description="Said when a tick-all question has no tick at all."
    )
    invalid: Text


class ChooserFields(ContentModel):
    """The chooser's words and rules, placed after one section of the article."""

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
        """The form fields the chooser owns."""
        return (*(q.id for q in self.questions), SUBMIT_PARAM[0])

    def question(self, question_id):
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)

    @model_validator(mode="after")
    def _safety_answers_exist(self):
        """The safety rule needs each of its answers, each with a reason."""
        for question_id, answer_ids in SAFETY_ANSWERS.items():
            question = self.question(question_id)
            for answer_id in answer_ids:
                answer = question.get(answer_id) if question else None
                if answer is None or not answer.reason:
                    raise problem(
                        f": the question '{question_id}' needs the answer "
                        f"'{answer_id}' with a reason (the safety rule uses it)",
                        at=".questions",
                    )
                if answer.leans:
                    raise problem(
                        f": the answer '{answer_id}' of '{question_id}' is a "
                        "safety answer and leans neither way",
                        at=".questions",
                    )
        return self

    @model_validator(mode="after")
    def _goal_breaks_ties(self):
        """The tie-breaking question: one answer each, every answer leaning."""
        goal = self.question(TIE_BREAKER)
        if goal is None or goal.multiple or not all(a.leans for a in goal.answers):
            raise problem(
                f": the chooser needs a one-answer question '{TIE_BREAKER}' whose "
                "answers each lean one way (it decides a tie)",
                at=".questions",
            )
        return self
