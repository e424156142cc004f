"""The widgets' words load from content/widgets.yaml; mistakes stop start-up clearly."""

import copy

import pytest
import yaml

from webapp import create_app
from webapp.site.article import load_article
from webapp.site.chooser_safety import (
    ANOTHER_DAY,
    CARE_TODAY,
    PROVIDER_FIRST,
    SAFETY_TIERS,
    TELL_THERAPIST,
)
from webapp.site.content import ContentError
from webapp.site.placements import PLACEMENTS
from webapp.site.widget_content import WIDGETS_FILE, load_widgets

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
        # A careful practice names when to check with a healthcare provider first.
        assert "healthcare provider" in technique.ask_first


# What each technique's health note may say: a sentence that names a
# condition says what the chooser's safety rule (chooser_safety.py) says of
# the answer for it, in that tier's words.
TIER_WORDS = {
    CARE_TODAY: ("care today",),
    ANOTHER_DAY: ("book another day",),
    PROVIDER_FIRST: ("ask your healthcare provider first", "ask too"),
    TELL_THERAPIST: ("tell your therapist", "tell them"),
}
CONDITION_ANSWERS = {
    "swollen": ("today", "limb"),
    "chest pain": ("today", "chest"),
    "a fever": ("today", "fever"),
    "illness that spreads": ("today", "fever"),
    "spreading": ("today", "skin-infection"),
    "less than two days": ("today", "injury"),
    "pain is severe": ("today", "severe-pain"),
    "muscle relaxants": ("today", "pain-medicine"),
    "surgery": ("health", "surgery"),
    "blood clot": ("health", "blood-clot"),
    "blood thinners": ("health", "blood-thinners"),
    "cancer": ("health", "cancer"),
    "heart condition": ("health", "heart"),
    "blood pressure": ("health", "heart"),
    "pregnan": ("health", "pregnant"),
    "fragile bones": ("health", "fragile-bones"),
    "diabetes": ("health", "diabetes"),
    "injury in the last six weeks": ("mention", "older-injury"),
    "small rash": ("mention", "skin"),
    "open wound": ("mention", "skin"),
    "varicose veins": ("mention", "varicose-veins"),
    "allergies": ("mention", "allergies"),
}
CONDITION_TIERS = {
    condition: SAFETY_TIERS[question][answer]
    for condition, (question, answer) in CONDITION_ANSWERS.items()
}


def tier_of(sentence):
    """The safety tier a sentence of a health note speaks for, or None."""
    lowered = sentence.lower()
    tiers = [t for t, words in TIER_WORDS.items() if any(w in lowered for w in words)]
    return tiers[0] if len(tiers) == 1 else ("several" if tiers else None)


def disagreements(note):
    """What a technique's health note says that the chooser's tiers do not."""
    found = []
    for sentence in note.replace(": ", ". ").split(". "):
        lowered, tier = sentence.lower(), tier_of(sentence)
        found += [
            f"{condition!r} is {condition_tier!r}: {sentence}"
            for condition, condition_tier in CONDITION_TIERS.items()
            if condition in lowered and tier != condition_tier
        ]
        # A daily low-dose aspirin is no reason to ask first.
        if "blood thinners" in lowered and "prescription" not in lowered:
            found.append(f"say 'prescription blood thinners': {sentence}")
    return found


@pytest.mark.parametrize("technique", ARTICLE_TECHNIQUES)
def test_each_health_note_agrees_with_the_choosers_tiers(widgets, technique):
    assert disagreements(widgets.techniques.get(technique).ask_first) == []


@pytest.mark.parametrize(
    "note",
    [
        "Tell your therapist if you have fragile bones.",
        "Ask your healthcare provider first if you have varicose veins.",
        "Ask too if you take blood thinners.",
        "Tell your therapist if you have had a blood clot.",
        "A leg that is swollen and warm needs a gentle massage.",
    ],
)
def test_the_tier_check_catches_a_note_in_the_wrong_tier(note):
    assert disagreements(note)


def test_every_chooser_outcome_books_through_a_known_placement(widgets):
    outcomes = list(widgets.chooser.outcomes.values())
    bookable = [outcome for outcome in outcomes if outcome.bookable]
    assert len(bookable) == len(outcomes) - 1  # all but "get care today"
    for outcome in bookable:
        assert outcome.placement in PLACEMENTS


def test_widgets_follow_existing_article_sections(widgets):
    assert widgets.after("key-differences-between-medical-and-therapeutic-massage") == [
        "partials/_compare.html",
        "partials/_sessions.html",
        "partials/_techniques.html",
    ]
    assert widgets.after("which-one-is-right-for-you") == ["partials/_chooser.html"]


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
            "the question 'today' needs the answer 'limb'",
        ),
        (
            lambda d: d["chooser"]["questions"][3]["answers"].pop(1),
            "the question 'health' needs the answer 'blood-clot'",
        ),
        (
            lambda d: d["chooser"]["questions"][3]["answers"][0].update(
                leans="medical"
            ),
            "key 'chooser.questions[3].answers[0].leans' must be left out",
        ),
        (
            lambda d: d["chooser"]["questions"][3]["answers"].pop(),
            "key 'chooser.questions[3].answers': a check-all question needs "
            "the answer 'none'",
        ),
        (
            lambda d: d["chooser"]["questions"][5]["answers"][1].pop("leans"),
            "the chooser needs a one-answer question 'goal'",
        ),
        (
            lambda d: d["chooser"]["questions"][0]["answers"][0].update(weight=0),
            "key 'chooser.questions[0].answers[0].weight'",
        ),
        (
            lambda d: d["chooser"]["outcomes"]["medical"].update(
                book_label="Book {service}"
            ),
            "key 'chooser.outcomes.medical.book_label' uses {service}",
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
    with pytest.raises(
        ContentError, match=r"widgets.yaml: line 2, column 1: not valid YAML: expected"
    ):
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
