"""The widgets' words load from content/widgets.yaml; mistakes stop start-up clearly."""

import copy
import itertools

import pytest
import yaml

from webapp import create_app
from webapp.site.article import load_article
from webapp.site.chooser import read_chooser, recommend
from webapp.site.content import ContentError
from webapp.site.placements import PLACEMENTS
from webapp.site.widget_content import (
    SAFETY_ANSWERS,
    SAFETY_QUESTION,
    WIDGETS_FILE,
    load_widgets,
)

SECTIONS = [section.id for section in load_article().sections]
ARTICLE_FOUR = ["Purpose", "Approach", "Training", "Treatment goals"]
CLIENT_QUESTIONS = [
    "Who it suits",
    "What a session is like",
    "Typical techniques",
    "Referral or prescription",
]
ARTICLE_TECHNIQUES = {
    "deep-tissue": "medical",
    "myofascial-release": "medical",
    "trigger-point-therapy": "medical",
    "swedish": "therapeutic",
    "aromatherapy": "therapeutic",
    "hot-stone": "therapeutic",
}


@pytest.fixture(scope="module")
def source():
    """The content file as plain data, to change a copy of in each test."""
    return yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def widgets():
    return load_widgets(section_ids=SECTIONS)


def write(tmp_path, data):
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load_changed(tmp_path, source, change):
    """Load a copy of the content file after ``change(data)``."""
    data = copy.deepcopy(source)
    change(data)
    return load_widgets(write(tmp_path, data), section_ids=SECTIONS)


# --- What the file holds ------------------------------------------------------


def test_comparison_has_the_articles_four_aspects_and_the_clients_questions(widgets):
    labels = [aspect.label for aspect in widgets.comparison.aspects]
    assert labels[:4] == ARTICLE_FOUR
    assert set(CLIENT_QUESTIONS) <= set(labels)
    for aspect in widgets.comparison.aspects:
        assert aspect.medical and aspect.therapeutic


def test_every_technique_the_article_names_has_all_four_parts(widgets):
    kinds = {t.id: t.kind for t in widgets.techniques.items}
    assert kinds == ARTICLE_TECHNIQUES
    for technique in widgets.techniques.items:
        for part in ("what_it_is", "feels_like", "suits", "ask_first"):
            assert len(getattr(technique, part)) > 40, (technique.id, part)
        # A careful practice names when to check with a doctor first.
        assert "doctor" in technique.ask_first


def test_chooser_asks_three_or_four_questions_including_the_safety_question(widgets):
    questions = widgets.chooser.questions
    assert 3 <= len(questions) <= 4
    safety = next(q for q in questions if q.id == SAFETY_QUESTION)
    assert {a.id for a in safety.answers} >= set(SAFETY_ANSWERS)


def test_every_chooser_outcome_books_through_a_known_placement(widgets):
    for outcome in widgets.chooser.outcomes.values():
        assert outcome.placement in PLACEMENTS


def test_widgets_follow_existing_article_sections(widgets):
    assert widgets.after("key-differences-between-medical-and-therapeutic-massage") == [
        "partials/_compare.html",
        "partials/_techniques.html",
    ]
    assert widgets.after("which-one-is-right-for-you") == ["partials/_chooser.html"]


# --- The chooser's decision rule -----------------------------------------------


def answers(reason, referral, recent, goal):
    return {"reason": reason, "referral": referral, "recent": recent, "goal": goal}


@pytest.mark.parametrize(
    ("given", "outcome"),
    [
        (answers("problem", "yes", "no", "relief"), "medical"),
        (answers("problem", "no", "no", "relax"), "medical"),
        (answers("stress", "yes", "no", "relax"), "medical"),
        (answers("unsure", "no", "no", "relief"), "medical"),
        (answers("stress", "no", "no", "relax"), "therapeutic"),
        (answers("upkeep", "no", "no", "move"), "therapeutic"),
        (answers("unsure", "no", "no", "relax"), "therapeutic"),
        (answers("stress", "no", "surgery", "relax"), "provider-first"),
        (answers("problem", "yes", "injury", "relief"), "provider-first"),
    ],
)
def test_chooser_suggests(widgets, given, outcome):
    assert recommend(widgets.chooser, given).outcome.id == outcome


def test_recent_surgery_or_injury_always_means_provider_first(widgets):
    chooser = widgets.chooser
    others = [q for q in chooser.questions if q.id != SAFETY_QUESTION]
    for combination in itertools.product(*[q.answers for q in others]):
        for safety_answer in SAFETY_ANSWERS:
            given = {q.id: a.id for q, a in zip(others, combination, strict=True)}
            given[SAFETY_QUESTION] = safety_answer
            result = recommend(chooser, given)
            assert result.outcome.id == "provider-first", given
            # The reasons name the surgery or injury, in plain words.
            assert safety_answer in result.reasons[0].lower()


def test_provider_first_says_where_the_other_answers_point(widgets):
    result = recommend(widgets.chooser, answers("stress", "no", "injury", "relax"))
    assert result.reasons[-1].endswith("point to therapeutic massage.")


def test_reasons_explain_the_suggestion_in_plain_words(widgets):
    result = recommend(widgets.chooser, answers("problem", "yes", "no", "relax"))
    assert len(result.reasons) == 2
    assert any("healthcare provider suggested" in r for r in result.reasons)


@pytest.mark.parametrize(
    ("args", "errors"),
    [
        ({"reason": "problem"}, {"referral", "recent", "goal"}),
        ({"show": "suggestion"}, {"reason", "referral", "recent", "goal"}),
        (
            answers("problem", "maybe", "no", "relax"),
            {"referral"},
        ),
        (answers("PROBLEM", "yes", "no", "relax"), {"reason"}),
    ],
)
def test_answers_outside_the_allowed_set_are_problems_not_suggestions(
    widgets, args, errors
):
    form = read_chooser(widgets.chooser, args)
    assert set(form.errors) == errors
    assert form.recommendation is None


def test_no_answers_is_a_blank_form_not_an_error(widgets):
    form = read_chooser(widgets.chooser, {"aspect": "training"})
    assert form.errors == {} and form.recommendation is None


# --- Mistakes in the file stop start-up with the file and key named -----------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["comparison"]["aspects"][2].pop("label"),
            "key 'comparison.aspects[2].label' is missing or empty",
        ),
        (
            lambda d: d["techniques"]["items"][0].update(name=""),
            "key 'techniques.items[0].name' is missing or empty",
        ),
        (
            lambda d: d["techniques"]["items"][1].update(kind="spa"),
            "key 'techniques.items[1].kind' must be one of medical, therapeutic",
        ),
        (
            lambda d: d["comparison"]["aspects"][0].update(id="Purpose Two"),
            "key 'comparison.aspects[0].id' must be lowercase",
        ),
        (
            lambda d: d["comparison"]["aspects"][1].update(id="purpose"),
            "key 'comparison.aspects[1].id': 'purpose' is used twice",
        ),
        (
            lambda d: d["chooser"]["questions"][1]["answers"][0].update(id=True),
            "key 'chooser.questions[1].answers[0].id' must be lowercase",
        ),
        (
            lambda d: d["chooser"]["questions"][2]["answers"].pop(0),
            "the question 'recent' needs the answer 'surgery'",
        ),
        (
            lambda d: d["chooser"]["questions"][0].update(id="aspect"),
            "key 'chooser.questions[0].id': 'aspect' is already used",
        ),
        (
            lambda d: d["chooser"]["questions"][0]["answers"][1].pop("reason"),
            "key 'chooser.questions[0].answers[1].reason' is missing or empty",
        ),
        (
            lambda d: d["chooser"]["outcomes"].pop("provider-first"),
            "key 'chooser.outcomes.provider-first' is missing or empty",
        ),
        (
            lambda d: d["comparison"].update(status="Showing {topic}"),
            "key 'comparison.status' uses {topic}; allowed here: {aspect}",
        ),
        (
            lambda d: d["techniques"]["items"][0].update(feels_like_it="x"),
            "unknown key 'techniques.items[0].feels_like_it'",
        ),
        (
            lambda d: d["chooser"].update(show_after="no-such-section"),
            "key 'chooser.show_after': the article has no section 'no-such-section'",
        ),
        (lambda d: d.pop("techniques"), "key 'techniques' is missing or empty"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path, source, change, message):
    with pytest.raises(ContentError) as error:
        load_changed(tmp_path, source, change)
    assert str(tmp_path / "widgets.yaml") in str(error.value)
    assert message in str(error.value)


def test_broken_yaml_names_the_file(tmp_path):
    path = tmp_path / "widgets.yaml"
    path.write_text("comparison: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match="widgets.yaml: cannot be read"):
        load_widgets(path)


def test_the_app_refuses_to_start_with_a_bad_widgets_file(tmp_path, source):
    data = copy.deepcopy(source)
    del data["chooser"]["questions"][0]["label"]
    path = write(tmp_path, data)
    with pytest.raises(ContentError, match=r"'chooser\.questions\[0\]\.label'"):
        create_app({"TESTING": True, "WIDGETS_FILE": path})


def test_adding_an_aspect_is_a_content_edit(tmp_path, source, database_path):
    data = copy.deepcopy(source)
    data["comparison"]["aspects"].append(
        {
            "id": "cost",
            "label": "Cost <b>& cover</b>",
            "medical": "Sometimes covered by a health plan.",
            "therapeutic": "Usually paid for yourself.",
        }
    )
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "WIDGETS_FILE": write(tmp_path, data),
        }
    )
    response = app.test_client().get("/?aspect=cost")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Usually paid for yourself." in html
    # The owner's words are text, never markup.
    assert "Cost &lt;b&gt;&amp; cover&lt;/b&gt;" in html
    assert "<b>& cover" not in html
