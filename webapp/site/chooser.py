"""The chooser's rule: which massage to suggest for a reader's answers, and why."""

from dataclasses import dataclass

from .widget_content import (
    PROVIDER_FIRST,
    SAFETY_ANSWERS,
    SAFETY_QUESTION,
    SUBMIT_PARAM,
    Outcome,
)


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
            errors[question.id] = getattr(
                chooser.errors, "invalid" if value else "missing"
            )
    if errors:
        return ChooserForm(values=values, errors=errors, submitted=True)
    return ChooserForm(
        values=values,
        errors={},
        submitted=True,
        recommendation=recommend(chooser, values),
    )
