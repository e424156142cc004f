"""The chooser's truth table: every combination of answers and what it suggests.

``flask --app webapp chooser-table`` writes it to docs/chooser.md, so the
owner can read every outcome and see what a change of weight does; a test
fails when the checked-in table is stale.
"""

import itertools
from pathlib import Path

from .chooser import lean, recommend
from .chooser_content import NONE_ANSWER, PROVIDER_FIRST, SAFETY_ANSWERS, TIE_BREAKER

TABLE_FILE = Path(__file__).resolve().parent.parent.parent / "docs" / "chooser.md"


def weighed_questions(chooser):
    """The one-answer questions that weigh in (not the safety ones)."""
    return [
        q for q in chooser.questions if not q.multiple and q.id not in SAFETY_ANSWERS
    ]


def safe_answers(chooser):
    """The answers to the safety questions that mean "no safety concern"."""
    answers = {}
    for question_id, flagged in SAFETY_ANSWERS.items():
        question = chooser.question(question_id)
        if question.multiple:
            answers[question_id] = (NONE_ANSWER,)
        else:
            answers[question_id] = next(
                a.id for a in question.answers if a.id not in flagged
            )
    return answers


def combinations(chooser):
    """Every combination of the weighed questions' answers, with safe answers."""
    questions = weighed_questions(chooser)
    for picked in itertools.product(*(q.answers for q in questions)):
        answers = dict(safe_answers(chooser))
        answers.update({q.id: a.id for q, a in zip(questions, picked, strict=True)})
        yield answers


def _cell(text):
    """Text that is safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def truth_table(chooser):
    """The whole table as Markdown, for docs/chooser.md."""
    questions = weighed_questions(chooser)
    outcomes = chooser.outcomes
    lines = [
        "# What the chooser suggests, for every combination of answers",
        "",
        "Written by `flask --app webapp chooser-table` from `content/widgets.yaml`:",
        "do not edit it by hand. A test fails when it is out of date.",
        "",
        "## 1. Safety first",
        "",
        f"Any of these answers gives **{outcomes[PROVIDER_FIRST].title}**,",
        "whatever the other answers are. This rule is in the site's code, and the",
        "site does not start if one of these answers is missing from the file.",
        "The suggestion then also says what the other answers would lead to once",
        "the reader's healthcare provider agrees (the table below).",
        "",
    ]
    for question_id, flagged in SAFETY_ANSWERS.items():
        question = chooser.question(question_id)
        lines.append(f"- {_cell(question.label)}")
        lines.extend(f"  - {_cell(question.get(a).label)}" for a in flagged)
    lines += [
        "",
        "## 2. The weights",
        "",
        "Each answer that leans one way adds its weight to that side; the",
        "heavier side wins. When both sides weigh the same, the answer to",
        f"“{_cell(chooser.question(TIE_BREAKER).label)}” decides. Only the reasons",
        "of the winning side are shown, so they always support the suggestion.",
        "",
        "| Question | Answer | Leans | Weight |",
        "| --- | --- | --- | --- |",
    ]
    for question in questions:
        for answer in question.answers:
            leans = answer.leans or "neither"
            weight = answer.weight if answer.leans else ""
            lines.append(
                f"| {_cell(question.label)} | {_cell(answer.label)} "
                f"| {leans} | {weight} |"
            )
    rows, counts = (
        [],
        dict.fromkeys(outcomes[k].title for k in ("medical", "therapeutic")),
    )
    for answers in combinations(chooser):
        leaning = lean(chooser, answers)
        recommendation = recommend(chooser, answers)
        title = recommendation.outcome.title
        counts[title] = (counts[title] or 0) + 1
        picked = [_cell(q.get(answers[q.id]).label) for q in questions]
        weights = f"{leaning.weights['medical']} : {leaning.weights['therapeutic']}"
        if leaning.tie:
            weights += " (tie: goal decides)"
        reasons = "<br>".join(_cell(r) for r in recommendation.reasons) or "–"
        rows.append(f"| {' | '.join(picked)} | {weights} | **{title}** | {reasons} |")
    total = len(rows)
    summary = "; ".join(f"{title}: {n or 0} of {total}" for title, n in counts.items())
    lines += [
        "",
        "## 3. Every combination without a safety answer",
        "",
        f"{summary}.",
        "",
        "| "
        + " | ".join(_cell(q.label) for q in questions)
        + " | Medical : therapeutic | Suggestion | Reasons shown |",
        "| " + " | ".join("---" for _ in range(len(questions) + 3)) + " |",
        *rows,
        "",
    ]
    return "\n".join(lines)
