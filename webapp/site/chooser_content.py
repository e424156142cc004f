"""The chooser's words and weights (the ``chooser:`` part of content/widgets.yaml).

The chooser asks a few questions and suggests medical or therapeutic massage,
or, for some health answers, one of the safety tiers instead (get care today,
book another day, talk to a healthcare provider first). What it may suggest
is partly the owner's (the words, each answer's lean and weight) and partly
fixed in code (each health answer's safety tier and the tie-breaking
question), so that no edit of the words can switch the safety rule off.
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
from .chooser_safety import (
    ANOTHER_DAY,
    CARE_TODAY,
    PROVIDER_FIRST,
    SAFETY_OUTCOMES,
    SAFETY_TIERS,
    TIERS,
    most_cautious,
)
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
OUTCOMES = (*KINDS, *SAFETY_OUTCOMES)

# The answer of a check-all question that says "none of these apply".
NONE_ANSWER = "none"

# When the answers weigh the same both ways, the reader's goal decides.
TIE_BREAKER = "goal"

# The chooser's submit button sends this, so that an empty submission (no
# answer checked) still shows "please answer" instead of a blank form.
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


def _tier(value):
    """One of the safety tiers, or None."""
    if value is not None and value not in TIERS:
        raise problem(f" must be one of {', '.join(TIERS)} (got {value!r})")
    return value


Kind = Annotated[Literal["medical", "therapeutic"], BeforeValidator(_kind)]
OptionalKind = Annotated[
    Literal["medical", "therapeutic"] | None,
    BeforeValidator(functools.partial(_kind, required=False)),
]
OptionalTier = Annotated[
    Literal["care-today", "another-day", "provider-first", "tell-therapist"] | None,
    BeforeValidator(_tier),
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
    tier: OptionalTier = Field(
        default=None,
        description="The safety tier of a check-all answer: the site's own "
        "tier for it can be made more cautious, never milder.",
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
        description="Check all that apply (checkboxes) instead of one answer.",
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
    def _check_all_does_not_lean(self):
        """A check-all question screens for safety: its answers lean neither way."""
        for index, answer in enumerate(self.answers):
            if self.multiple and answer.leans:
                raise problem(
                    " must be left out: answers to a check-all question "
                    "lean neither way",
                    at=f".answers[{index}].leans",
                )
            if answer.tier and (not self.multiple or answer.id == NONE_ANSWER):
                raise problem(
                    " must be left out: only the answers of a check-all "
                    "question have a safety tier",
                    at=f".answers[{index}].tier",
                )
        if self.multiple and self.get(NONE_ANSWER) is None:
            raise problem(
                f": a check-all question needs the answer '{NONE_ANSWER}'",
                at=".answers",
            )
        return self

    def get(self, answer_id):
        """The answer with this id, or None."""
        return next((a for a in self.answers if a.id == answer_id), None)

    def is_none_of_these(self, answer):
        """Whether ``answer`` is a check-all question's "none of these"."""
        return self.multiple and answer.id == NONE_ANSWER


class Outcome(ContentModel):
    """A suggestion the chooser can give."""

    title: Text
    summary: Text
    next_step: Text
    _id: str = PrivateAttr(default="")

    @property
    def id(self):
        """The outcome's id: its key in the content file."""
        return self._id

    @property
    def placement(self):
        """The booking button's placement, which records this outcome."""
        return f"chooser-{self.id}"

    @property
    def bookable(self):
        """Whether the suggestion shows a booking button."""
        return bool(getattr(self, "book_label", None))

    def text(self, field, practice=None):
        """One of the suggestion's texts as the reader sees it."""
        return getattr(self, field)


# The texts of a kind's suggestion that may name the service: {name} as
# written, {Name} with a capital first letter (for a title).
NAMED_TEXTS = ("title", "summary", "next_step", "book_label")


class KindOutcome(Outcome):
    """The suggestion of one kind of massage, named as the practice names it."""

    name: Text = Field(
        description="The service's name as the practice advertises it; the "
        "title, summary, next step and button may use it as {name} or {Name}."
    )
    book_label: Text

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


class WaitOutcome(Outcome):
    """Book later: once a healthcare provider agrees, or once the reader is well."""

    later: Annotated[Text, placeholders("outcome")]
    book_label: Text


class CareTodayOutcome(Outcome):
    """Contact a healthcare provider today: no booking button at all."""

    summary: Annotated[Text, placeholders("emergency_number")]
    next_step: Annotated[Text, placeholders("emergency_number")]

    def text(self, field, practice=None):
        """The text with the practice's emergency number filled in."""
        return getattr(self, field).format(emergency_number=_number(practice))

    def parts(self, field, practice=None):
        """The text around each emergency number, the number, and its tel: link."""
        pieces = getattr(self, field).split("{emergency_number}")
        number = _number(practice)
        dial = "".join(c for c in number if c.isdigit() or c == "+")
        return [piece.format() for piece in pieces], number, f"tel:{dial}"


def _number(practice):
    """The practice's emergency number (911 before the practice file is read)."""
    return practice.emergency_number if practice else "911"


class ChooserOutcomes(ContentModel):
    """The chooser's suggestions, by id."""

    model_config = ConfigDict(populate_by_name=True)

    medical: KindOutcome
    therapeutic: KindOutcome
    care_today: CareTodayOutcome = Field(alias=CARE_TODAY)
    another_day: WaitOutcome = Field(alias=ANOTHER_DAY)
    provider_first: WaitOutcome = Field(alias=PROVIDER_FIRST)

    def model_post_init(self, context):
        """Tell each suggestion its own id."""
        for outcome_id in OUTCOMES:
            self[outcome_id]._id = outcome_id

    def __getitem__(self, outcome_id):
        """The suggestion with this id (the two kinds and the safety tiers')."""
        if outcome_id not in OUTCOMES:
            raise KeyError(outcome_id)
        return getattr(self, outcome_id.replace("-", "_"))

    def items(self):
        """``(id, suggestion)`` pairs, in the order of OUTCOMES."""
        return [(outcome_id, self[outcome_id]) for outcome_id in OUTCOMES]

    def values(self):
        """The suggestions, in the order of OUTCOMES."""
        return [self[outcome_id] for outcome_id in OUTCOMES]


class TellTherapist(ContentModel):
    """The words above the list of what to tell the therapist when booking."""

    title: Text
    summary: Text


class ChooserErrors(ContentModel):
    """What the chooser says when answers are missing or not allowed."""

    title: Text
    intro: Text
    missing: Text
    missing_multiple: Text = Field(
        description="Said when a check-all question has no answer checked."
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
    tell_therapist: TellTherapist
    outcomes: ChooserOutcomes
    _tiers: dict = PrivateAttr(default_factory=dict)

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

    def tier(self, question, answer):
        """The safety tier of one answer (None for one without a tier)."""
        return self._tiers.get((question.id, answer.id))

    @model_validator(mode="after")
    def _safety_answers_keep_their_tier(self):
        """Each safety answer is there, says why, and is never made milder."""
        for question_id, tiers in SAFETY_TIERS.items():
            question = self.question(question_id)
            for answer_id, tier in tiers.items():
                answer = question.get(answer_id) if question else None
                if answer is None or not question.multiple or not answer.reason:
                    raise problem(
                        f": the question '{question_id}' needs the answer "
                        f"'{answer_id}' with a reason (the safety rule uses it)",
                        at=".questions",
                    )
                if answer.tier and TIERS.index(answer.tier) > TIERS.index(tier):
                    raise problem(
                        f": the answer '{answer_id}' of '{question_id}' cannot be "
                        f"made milder than '{tier}' (the safety rule's tier)",
                        at=".questions",
                    )
                self._tiers[question_id, answer_id] = most_cautious(
                    (tier, answer.tier or tier)
                )
        for question in self.questions:
            for answer in question.answers:
                if not question.multiple or question.is_none_of_these(answer):
                    continue
                if (question.id, answer.id) in self._tiers:
                    continue
                if not answer.tier or not answer.reason:
                    raise problem(
                        f": the answer '{answer.id}' of '{question.id}' needs a "
                        f"tier ({', '.join(TIERS)}) and a reason",
                        at=".questions",
                    )
                self._tiers[question.id, answer.id] = answer.tier
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
