"""The chooser's rule: which massage to suggest for a reader's answers, and why.

The answers are health information. They arrive in a POST body (never in an
address, so no history, log or Referer holds them), are read here, and are
gone with the response: only the suggestion's id is counted.
"""

from dataclasses import dataclass

from .chooser_content import (
    KINDS,
    PROVIDER_FIRST,
    SAFETY_ANSWERS,
    SUBMIT_PARAM,
    TIE_BREAKER,
    Outcome,
)


@dataclass(frozen=True)
class Recommendation:
    """The chooser's suggestion and the reasons for it, in plain words."""

    outcome: Outcome
    reasons: tuple[str, ...]


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


def safety_reasons(chooser, answers):
    """The reasons of the safety answers the reader chose, in the file's order."""
    return tuple(
        answer.reason
        for question, answer in chosen_answers(chooser, answers)
        if answer.id in SAFETY_ANSWERS.get(question.id, ())
    )


def recommend(chooser, answers):
    """Suggest medical, therapeutic or provider-first massage for complete answers.

    Any safety answer (recent surgery or injury, or a red flag such as
    pregnancy or blood thinners) always means "talk to your healthcare
    provider first", and says what the other answers would lead to later.
    """
    leaning = lean(chooser, answers)
    safety = safety_reasons(chooser, answers)
    if safety:
        outcome = chooser.outcomes[PROVIDER_FIRST]
        later = outcome.later.format(outcome=chooser.outcomes[leaning.kind].name)
        return Recommendation(outcome, (*safety, later))
    return Recommendation(chooser.outcomes[leaning.kind], leaning.reasons)


@dataclass(frozen=True)
class ChooserForm:
    """The chooser as submitted: answers to tick again, problems, suggestion."""

    values: dict
    errors: dict
    submitted: bool = False
    recommendation: Recommendation | None = None

    def checked(self, question, answer):
        """Whether the reader ticked this answer."""
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
    if errors:
        return ChooserForm(values=values, errors=errors, submitted=True)
    return ChooserForm(
        values=values,
        errors={},
        submitted=True,
        recommendation=recommend(chooser, values),
    )
