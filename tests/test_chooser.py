"""The chooser: safe (each health answer has its tier), fair, and private.

Every combination of answers is checked against the rule and the published
table (docs/chooser.md); the answers travel only in POST bodies, so no
address, history entry, log or stored row ever holds them.
"""

import copy
import itertools
import re
from html import unescape

import pytest
import yaml
from werkzeug.datastructures import MultiDict

from webapp.site.chooser import lean, read_chooser, recommend
from webapp.site.chooser_content import KINDS, NONE_ANSWER, TIE_BREAKER
from webapp.site.chooser_safety import (
    CARE_TODAY,
    GUIDANCE,
    SAFETY_TIERS,
    SOURCES,
    TELL_THERAPIST,
    TIERS,
)
from webapp.site.chooser_table import TABLE_FILE, combinations, truth_table
from webapp.site.content import ContentError
from webapp.site.widget_content import WIDGETS_FILE, load_widgets

WIDGETS = load_widgets()
CHOOSER = WIDGETS.chooser
CHECK_ALL = [q for q in CHOOSER.questions if q.multiple]
WEIGHED = [q for q in CHOOSER.questions if not q.multiple]
# Every answer with a safety tier: (question id, answer id) -> tier.
TIER_OF = {
    (q, a): tier for q, tiers in SAFETY_TIERS.items() for a, tier in tiers.items()
}
RED_FLAGS = [a for (_, a), tier in TIER_OF.items() if tier != TELL_THERAPIST]
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


def question_of(answer_id):
    """The check-all question that has this answer."""
    return next(q.id for q in CHECK_ALL if q.get(answer_id) and answer_id != "none")


def answers(reason="unsure", referral="no", *checked, goal="relax"):
    """A complete set of answers, as a posted form holds them.

    ``checked`` are answer ids (or tuples of them) of the check-all questions,
    each put under its own question; a question with none gets "None of these".
    """
    given = {"reason": reason, "referral": referral, "goal": goal}
    ids = [i for c in checked for i in ((c,) if isinstance(c, str) else c)]
    for question in CHECK_ALL:
        # A list: the test client reads a tuple as a file upload.
        mine = [i for i in ids if question_of(i) == question.id]
        given[question.id] = mine or [NONE_ANSWER]
    return given


def form(given):
    """``given`` answers as the MultiDict a browser's POST becomes."""
    return MultiDict(
        [
            (k, v)
            for k, vs in given.items()
            for v in ((vs,) if isinstance(vs, str) else vs)
        ]
    )


def text(response):
    """The response's visible words, tags removed and spaces folded."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def tick_sets():
    """No tick, each tiered answer alone, and every pair of them."""
    tiered = list(TIER_OF)
    yield ()
    yield from ((pair,) for pair in tiered)
    yield from itertools.combinations(tiered, 2)


def every_answer_set():
    """Every one-answer combination with up to two health answers checked."""
    for picked in itertools.product(*(q.answers for q in WEIGHED)):
        for ticks in tick_sets():
            given = {q.id: a.id for q, a in zip(WEIGHED, picked, strict=True)}
            for question in CHECK_ALL:
                mine = tuple(a for q, a in ticks if q == question.id)
                given[question.id] = mine or (NONE_ANSWER,)
            yield given, ticks


# --- The safety tiers, over every answer set with up to two ticks -----------------


def test_each_answer_gives_its_tier_and_two_give_the_more_cautious():
    checked = 0
    for given, ticks in every_answer_set():
        result = recommend(CHOOSER, given)
        kind = lean(CHOOSER, given).kind
        tiers = [TIER_OF[tick] for tick in ticks]
        # The most cautious of the ticks' tiers, from the code's own table.
        expected = min(tiers, key=TIERS.index) if tiers else None
        reason = {t: CHOOSER.question(t[0]).get(t[1]).reason for t in ticks}
        if expected in (None, TELL_THERAPIST):
            assert result.outcome.id == kind, given
            # What to tell the therapist, listed under the suggestion.
            assert set(result.mention) == {
                reason[t] for t in ticks if TIER_OF[t] == TELL_THERAPIST
            }, given
        else:
            assert result.outcome.id == expected, given
            # Each red flag's own reason is shown, the most cautious first.
            shown = [reason[t] for t in ticks if TIER_OF[t] != TELL_THERAPIST]
            assert set(shown) <= set(result.reasons), given
            assert result.reasons[0] == next(
                reason[t] for t in ticks if TIER_OF[t] == expected
            )
        if expected == CARE_TODAY:
            assert not result.outcome.bookable and not result.mention, given
        elif expected is not None and expected != TELL_THERAPIST:
            # Book later: and what the other answers lead to then.
            assert result.outcome.bookable
            later = CHOOSER.outcomes[kind].name
            assert result.reasons[-1].endswith(f"point to {later}."), given
        checked += 1
    pairs = len(TIER_OF) * (len(TIER_OF) - 1) // 2
    assert checked == 4 * 2 * 3 * (1 + len(TIER_OF) + pairs)


def test_every_tier_has_answers_and_each_answer_its_guidance():
    assert set(TIER_OF.values()) == set(TIERS)
    assert {(q.id, a.id) for q in CHECK_ALL for a in q.answers if a.id != "none"} == (
        set(TIER_OF)
    )
    # Each answer's tier says which public guidance it follows (or that none
    # was found), and each cited source has a title and an address.
    assert set(GUIDANCE) == set(TIER_OF)
    for said, sources in GUIDANCE.values():
        assert said and set(sources) <= set(SOURCES)
    assert all(url.startswith("http") for _, url in SOURCES.values())


def test_a_red_flag_ticked_with_none_of_these_still_counts():
    given = answers()
    given["today"] = [NONE_ANSWER, "limb"]
    chosen = read_chooser(CHOOSER, form(given))
    assert chosen.recommendation.outcome.id == CARE_TODAY


# --- Fair suggestions ---------------------------------------------------------------


def test_the_four_fairness_rules_hold_for_every_answer_set():
    for given, _ in every_answer_set():
        kind = lean(CHOOSER, given).kind
        result = recommend(CHOOSER, given)
        if result.outcome.id in KINDS:
            assert result.outcome.id == kind
        reason, referral, goal = given["reason"], given["referral"], given["goal"]
        referred_problem = reason == "problem" and referral == "yes"
        # (a) To relax: therapeutic, unless a specific problem and a referral.
        if goal == "relax" and not referred_problem:
            assert kind == "therapeutic", given
        # (b) A specific problem with a referral: medical, whatever the goal.
        if referred_problem:
            assert kind == "medical", given
        # (c) A specific problem and "move more easily": medical.
        if reason == "problem" and goal == "move":
            assert kind == "medical", given
        # (d) Stress or upkeep without a referral: never medical.
        if reason in ("stress", "upkeep") and referral == "no":
            assert kind == "therapeutic", given


def test_the_medical_next_step_asks_for_the_referral_not_for_permission():
    medical = CHOOSER.outcomes["medical"]
    assert "bring your referral or your provider's notes if you have them" in (
        medical.next_step.lower()
    )
    assert "before you book" not in medical.next_step.lower()


def test_the_reasons_shown_always_support_the_suggestion():
    by_reason = {
        a.reason: a.leans
        for q in CHOOSER.questions
        for a in q.answers
        if a.reason and a.leans
    }
    for given, _ in every_answer_set():
        result = recommend(CHOOSER, given)
        if result.outcome.id not in KINDS:
            continue
        assert result.reasons, given
        assert {by_reason[r] for r in result.reasons} == {result.outcome.id}, given


def test_weights_decide_and_the_goal_breaks_a_tie():
    for given in combinations(CHOOSER):
        leaning = lean(CHOOSER, given)
        medical, therapeutic = (
            leaning.weights["medical"],
            leaning.weights["therapeutic"],
        )
        if medical == therapeutic:
            goal = CHOOSER.question(TIE_BREAKER).get(given[TIE_BREAKER])
            assert leaning.kind == goal.leans and leaning.tie
        else:
            assert leaning.kind == (
                "medical" if medical > therapeutic else "therapeutic"
            )


def test_it_does_not_lean_medical():
    outcomes = [recommend(CHOOSER, given).outcome.id for given in combinations(CHOOSER)]
    assert len(outcomes) == 24
    assert outcomes.count("medical") <= 12
    assert outcomes.count("therapeutic") >= 12


# --- The safety rule cannot be edited away ----------------------------------------


def changed_chooser(tmp_path, change):
    """The chooser of a copy of the content file, changed by ``change``."""
    data = yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))
    questions = {q["id"]: q for q in data["chooser"]["questions"]}
    change(questions)
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_widgets(path).chooser


def answer_in(question, answer_id):
    return next(a for a in question["answers"] if a["id"] == answer_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A tier's answer dropped.
        (
            lambda qs: qs["today"]["answers"].remove(answer_in(qs["today"], "limb")),
            "the question 'today' needs the answer 'limb'",
        ),
        (
            lambda qs: qs["health"]["answers"].remove(
                answer_in(qs["health"], "pregnant")
            ),
            "the question 'health' needs the answer 'pregnant'",
        ),
        # Moved to a milder tier...
        (
            lambda qs: answer_in(qs["today"], "limb").update(tier="tell-therapist"),
            "the answer 'limb' of 'today' cannot be made milder than 'care-today'",
        ),
        # ...or to another question.
        (
            lambda qs: qs["mention"]["answers"].insert(
                0, qs["health"]["answers"].pop(0)
            ),
            "the question 'health' needs the answer 'surgery'",
        ),
        # An answer the owner adds needs a tier.
        (
            lambda qs: qs["mention"]["answers"].insert(
                0, {"id": "tattoo", "label": "A new tattoo", "reason": "New ink."}
            ),
            "the answer 'tattoo' of 'mention' needs a tier",
        ),
    ],
)
def test_start_up_refuses_a_file_that_drops_or_softens_a_tier(
    tmp_path, change, message
):
    with pytest.raises(ContentError) as error:
        changed_chooser(tmp_path, change)
    assert message in str(error.value)
    assert "\n" not in str(error.value).strip()  # one clear line


def test_the_owner_may_make_an_answer_more_cautious(tmp_path):
    chooser = changed_chooser(
        tmp_path,
        lambda qs: answer_in(qs["mention"], "varicose-veins").update(
            tier="provider-first"
        ),
    )
    given = answers("stress", "no", "varicose-veins")
    assert recommend(CHOOSER, given).outcome.id == "therapeutic"
    assert recommend(chooser, given).outcome.id == "provider-first"


# --- The published table ----------------------------------------------------------


def test_the_published_truth_table_is_up_to_date():
    assert TABLE_FILE.read_text(encoding="utf-8") == truth_table(CHOOSER), (
        "docs/chooser.md is stale: run `flask --app webapp chooser-table`"
    )


def test_every_combination_matches_the_published_table():
    table = TABLE_FILE.read_text(encoding="utf-8")
    rows = [
        line for line in table.splitlines() if line.startswith("| ") and "**" in line
    ]
    singles = WEIGHED
    published = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        published[tuple(cells[: len(singles)])] = cells[len(singles) + 1].strip("*")
    assert len(published) == 24
    for given, ticks in every_answer_set():
        if ticks:
            continue
        key = tuple(q.get(given[q.id]).label for q in singles)
        assert recommend(CHOOSER, given).outcome.title == published[key], given


def test_chooser_table_command_writes_and_checks(runner, tmp_path, monkeypatch):
    import webapp.site.chooser_table as chooser_table
    import webapp.site.commands as commands

    target = tmp_path / "chooser.md"
    monkeypatch.setattr(commands, "TABLE_FILE", target)
    result = runner.invoke(args=["chooser-table", "--check"])
    assert result.exit_code == 1 and "out of date" in result.output
    assert runner.invoke(args=["chooser-table"]).exit_code == 0
    assert target.read_text(encoding="utf-8") == chooser_table.truth_table(CHOOSER)
    assert runner.invoke(args=["chooser-table", "--check"]).exit_code == 0


def test_changing_a_weight_in_the_content_file_changes_the_suggestion(tmp_path):
    data = yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    goal = next(q for q in changed["chooser"]["questions"] if q["id"] == "goal")
    next(a for a in goal["answers"] if a["id"] == "relax")["weight"] = 1
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    chooser = load_widgets(path).chooser
    given = answers("problem", "no", goal="relax")
    assert recommend(CHOOSER, given).outcome.id == "therapeutic"
    assert recommend(chooser, given).outcome.id == "medical"


# --- The service's name is the owner's -----------------------------------------------


def test_the_service_name_key_names_the_outcome_and_its_button(tmp_path, app):
    data = yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))
    data["chooser"]["outcomes"]["medical"]["name"] = "clinical massage therapy"
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from webapp import create_app

    renamed = create_app({**app.config, "WIDGETS_FILE": str(path)})
    response = renamed.test_client().post(
        "/", data=answers("problem", "yes", goal="relief")
    )
    html = response.get_data(as_text=True)
    result = html[html.index('<div class="recommendation') :]
    result = result[: result.index('<p class="recommendation__disclaimer')]
    assert '<h3 class="recommendation__title">Clinical massage therapy</h3>' in result
    assert ">Book clinical massage therapy</a>" in result
    assert "clinical massage therapy might be the better choice" in result
    assert "medical massage" not in result.lower()
    # A red flag's "later" line names the owner's service too.
    response = renamed.test_client().post(
        "/", data=answers("problem", "yes", "heart", goal="relief")
    )
    assert "point to clinical massage therapy." in text(response)


# --- Reading a posted form ----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"reason": "problem"}, {"referral", "today", "health", "mention", "goal"}),
        (
            {"show": "suggestion"},
            {"reason", "referral", "today", "health", "mention", "goal"},
        ),
        ({**answers(), "referral": "maybe"}, {"referral"}),
        ({**answers(), "reason": "PROBLEM"}, {"reason"}),
        ({**answers(), "health": []}, {"health"}),
        ({**answers(), "health": ["pregnant", "<script>"]}, {"health"}),
    ],
)
def test_answers_outside_the_allowed_set_are_problems_not_suggestions(given, errors):
    chosen = read_chooser(CHOOSER, form(given))
    assert set(chosen.errors) == errors
    assert chosen.recommendation is None


def test_repeated_ticks_are_read_once():
    chosen = read_chooser(CHOOSER, form(answers("stress", "no", ("fever",) * 500)))
    assert chosen.values["today"] == ("fever",)
