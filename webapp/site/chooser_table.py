"""The chooser's truth table: every combination of answers and what it suggests.

``flask --app webapp chooser-table`` writes it to docs/chooser.md, so the
owner can read every outcome and see what a change of weight does; a test
fails when the checked-in table is stale. It also lists each health answer's
safety tier and the public guidance that tier follows.
"""

import itertools
from pathlib import Path

from .chooser import lean, recommend
from .chooser_content import NONE_ANSWER, TIE_BREAKER
from .chooser_safety import GUIDANCE, SOURCES, TELL_THERAPIST, TIERS

TABLE_FILE = Path(__file__).resolve().parent.parent.parent / "docs" / "chooser.md"


def weighed_questions(chooser):
    """The one-answer questions that weigh in (not the check-all safety ones)."""
    return [q for q in chooser.questions if not q.multiple]


def safe_answers(chooser):
    """ "None of these" for each check-all question: no safety concern."""
    return {q.id: (NONE_ANSWER,) for q in chooser.questions if q.multiple}


def combinations(chooser):
    """Every combination of the weighed questions' answers, with safe answers."""
    questions = weighed_questions(chooser)
    for picked in itertools.product(*(q.answers for q in questions)):
        answers = dict(safe_answers(chooser))
        answers.update({q.id: a.id for q, a in zip(questions, picked, strict=True)})
        yield answers


def tiered_answers(chooser):
    """``(question, answer, tier)`` for each answer with a safety tier."""
    for question in chooser.questions:
        for answer in question.answers:
            tier = chooser.tier(question, answer)
            if tier:
                yield question, answer, tier


def tier_title(chooser, tier):
    """What the reader reads for a tier."""
    if tier == TELL_THERAPIST:
        return chooser.tell_therapist.title
    return chooser.outcomes[tier].title


def _cell(text):
    """Text that is safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def safety_section(chooser):
    """Sections 1 and 2: the tiers, their answers, and the guidance behind them."""
    lines = [
        "## 1. Safety first",
        "",
        "Each answer of the check-all questions has a safety tier, fixed in the",
        "site's code: the site does not start if one is missing from the file or",
        "made milder. A reader who checks several gets the most cautious tier.",
        "",
    ]
    tiered = list(tiered_answers(chooser))
    for number, tier in enumerate(TIERS, start=1):
        lines.append(f"{number}. **{_cell(tier_title(chooser, tier))}**")
        lines.extend(
            f"   - {_cell(answer.label)}" for _, answer, t in tiered if t == tier
        )
    lines += [
        "",
        "“Get care today” shows no booking button. “Book another day” and “Talk",
        "to your healthcare provider first” say what the other answers would lead",
        "to later (section 4). “Tell your therapist” shows the suggestion as usual,",
        "with what to mention when booking.",
        "",
        "## 2. The guidance each tier follows",
        "",
        "| Answer | Tier | What the guidance says | Sources |",
        "| --- | --- | --- | --- |",
    ]
    for question, answer, tier in tiered:
        said, sources = GUIDANCE.get(
            (question.id, answer.id), ("Added in the content file.", ())
        )
        cited = "<br>".join(
            f"[{_cell(SOURCES[s][0])}]({SOURCES[s][1]})" for s in sources
        )
        lines.append(
            f"| {_cell(answer.label)} | {_cell(tier_title(chooser, tier))} "
            f"| {_cell(said)} | {cited or '–'} |"
        )
    return lines


def truth_table(chooser):
    """The whole table as Markdown, for docs/chooser.md."""
    questions = weighed_questions(chooser)
    outcomes = chooser.outcomes
    lines = [
        "# What the chooser suggests, for every combination of answers",
        "",
        "Written by `flask --app webapp chooser-table` from `content/widgets.yaml`",
        "and the safety rule in `webapp/site/chooser_safety.py`: do not edit it",
        "by hand. A test fails when it is out of date.",
        "",
        *safety_section(chooser),
        "",
        "## 3. The weights",
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
        "## 4. Every combination with “None of these” checked",
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
