"""The chooser's rule: which massage to suggest for a reader's answers, and why.

The answers are health information. They arrive in a POST body (never in an
address, so no history, log or Referer holds them), are read here, and are
gone with the response: only the suggestion's id is counted.
"""

from dataclasses import dataclass
from typing import ClassVar

from .chooser_content import KINDS, SUBMIT_PARAM, TIE_BREAKER, Outcome
from .chooser_safety import (
    CARE_TODAY,
    SAFETY_OUTCOMES,
    TELL_THERAPIST,
    TIERS,
    most_cautious,
)

# "Change my answers" sends the answers back with this name and value: the
# form comes back with them checked, and no suggestion yet.
CHANGE_PARAM = (SUBMIT_PARAM[0], "answers")


@dataclass(frozen=True)
class Recommendation:
    """The chooser's suggestion, the reasons for it, and what to tell the therapist."""

    outcome: Outcome
    reasons: tuple[str, ...]
    mention: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lean:
    """Which kind of massage the answers point to, how strongly, and why."""

    kind: str
    weights: dict
    reasons: tuple[str, ...]
    tie: bool


def chosen_answers(chooser, answers):
    """The Answer objects the reader chose, question by question."""
    for question in chooser.questions:
        value = answers.get(question.id)
        ids = value if question.multiple else (value,)
        for answer_id in ids or ():
            answer = question.get(answer_id)
            if answer is not None:
                yield question, answer


def lean(chooser, answers):
    """Weigh the answers: the heavier side wins, and the goal decides a tie.

    Each answer that leans one way adds its ``weight`` (1 unless the content
    file says otherwise) to that side. The reasons shown are only those of the
    answers on the winning side, so they always support the suggestion.
    """
    chosen = [answer for _, answer in chosen_answers(chooser, answers)]
    weights = {k: sum(a.weight for a in chosen if a.leans == k) for k in KINDS}
    medical, therapeutic = weights["medical"], weights["therapeutic"]
    tie = medical == therapeutic
    if tie:
        goal = chooser.question(TIE_BREAKER).get(answers.get(TIE_BREAKER))
        kind = goal.leans
    else:
        kind = "medical" if medical > therapeutic else "therapeutic"
    reasons = tuple(a.reason for a in chosen if a.leans == kind)
    return Lean(kind, weights, reasons, tie)


def flagged(chooser, answers):
    """``(tier, reason)`` of each answer with a safety tier, most cautious first."""
    found = [
        (tier, answer.reason)
        for question, answer in chosen_answers(chooser, answers)
        if (tier := chooser.tier(question, answer))
    ]
    return sorted(found, key=lambda pair: TIERS.index(pair[0]))  # stable


def recommend(chooser, answers):
    """Suggest a kind of massage, or the safety tier's own suggestion.

    The most cautious tier among the answers decides: "get care today" (no
    booking at all), "book another day" or "talk to your healthcare provider
    first" replace the suggestion, and say what the other answers would lead
    to later; "tell your therapist" keeps the suggestion and lists what to
    mention when booking.
    """
    leaning = lean(chooser, answers)
    found = flagged(chooser, answers)
    tier = most_cautious(tier for tier, _ in found)
    reasons = tuple(reason for t, reason in found if t != TELL_THERAPIST)
    mention = tuple(reason for t, reason in found if t == TELL_THERAPIST)
    if tier == CARE_TODAY:
        return Recommendation(chooser.outcomes[tier], reasons)
    if tier in SAFETY_OUTCOMES:
        outcome = chooser.outcomes[tier]
        later = outcome.later.format(outcome=chooser.outcomes[leaning.kind].name)
        return Recommendation(outcome, (*reasons, later), mention)
    return Recommendation(chooser.outcomes[leaning.kind], leaning.reasons, mention)


@dataclass(frozen=True)
class ChooserForm:
    """The chooser as submitted: answers to check again, problems, suggestion."""

    values: dict
    errors: dict
    submitted: bool = False
    recommendation: Recommendation | None = None
    changing: bool = False  # the reader asked for the form back ("Change my answers")
    change_param: ClassVar = CHANGE_PARAM

    def checked(self, question, answer):
        """Whether the reader checked this answer."""
        value = self.values.get(question.id)
        if question.multiple:
            return answer.id in (value or ())
        return value == answer.id


def _given(question, form):
    """What the form holds for one question: an id, or a tuple of ids."""
    if question.multiple:
        values = (value.strip() for value in form.getlist(question.id))
        # Each id once, however often a crafted form repeats it.
        return tuple(dict.fromkeys(value for value in values if value))
    return form.get(question.id, "").strip()


def read_chooser(chooser, form, submitted=False):
    """Check the chooser's answers from a submitted form against the allowed ones."""
    raw = {q.id: _given(q, form) for q in chooser.questions}
    submitted = submitted or any(raw.values()) or SUBMIT_PARAM[0] in form
    if not submitted:
        return ChooserForm(values={}, errors={})
    values, errors = {}, {}
    for question in chooser.questions:
        given = raw[question.id]
        if question.multiple:
            known = tuple(a for a in given if question.get(a))
            values[question.id] = known
            if len(known) < len(given):
                errors[question.id] = chooser.errors.invalid
            elif not known:
                errors[question.id] = chooser.errors.missing_multiple
        elif question.get(given):
            values[question.id] = given
        else:
            errors[question.id] = getattr(
                chooser.errors, "invalid" if given else "missing"
            )
    if form.get(CHANGE_PARAM[0]) == CHANGE_PARAM[1]:
        # Nothing to fix yet: the reader is about to change the answers.
        return ChooserForm(values=values, errors={}, changing=True)
    if errors:
        return ChooserForm(values=values, errors=errors, submitted=True)
    return ChooserForm(
        values=values,
        errors={},
        submitted=True,
        recommendation=recommend(chooser, values),
    )
