"""The widgets' words stay plain, short and within a massage therapist's scope.

Every sentence the site adds around the owner's article (content/widgets.yaml:
the comparison, the technique notes and the chooser) is checked here: short
sentences, an easy reading level, one term for the reader's healthcare
provider, and none of the overclaiming or out-of-scope phrases a review found.
The owner's own article (content/article.md) is not checked: its words are the
owner's.
"""

import re

import pytest
import textstat
from pydantic import BaseModel

from webapp.site.widget_content import load_widgets

MAX_WORDS = 25
MAX_GRADE = 8

# Fields that hold ids, article section ids, leanings or kinds: never shown as text.
NOT_SHOWN = frozenset({"id", "show_after", "leans", "kind"})

# Phrases that must never come back (case-insensitive regular expressions). Each
# diagnoses, treats disease, promises an outcome, claims an unproven benefit, or
# makes a claim only the owner can make (insurance, the therapist's training).
OVERCLAIMS = {
    "treating a medical condition": r"treating a medical condition",
    "the problem being treated": r"the problem being treated",
    "treat / treats / treating (massage treats nothing)": r"\btreat(s|ing)?\b",
    "advanced training": r"advanced training",
    "improve(s) your health": r"improves? (your|their) health",
    "circulation": r"circulation",
    "most people leave": r"most people leave",
    "fades": r"\bfades?\b",
    "health plans": r"health plans?",
    "insurance": r"insurance",
    "cure": r"\bcur(e|es|ed|ing)\b",
    "heal": r"\bheal(s|ed|ing)?\b",
    "detox": r"detox",
    "toxins": r"toxin",
    "diagnose": r"\bdiagnos(e|es|ing|tic)\b",
    "diagnosis (except 'not a diagnosis')": r"(?<!not a )\bdiagnosis\b",
    "diagnosed (except 'a diagnosed condition')": r"\bdiagnosed\b(?! condition)",
    "doctor": r"\bdoctors?\b",
    "prescribed (by the therapist)": r"\bprescribed\b",
    "guaranteed": r"guarantee",
    "will relieve": r"will relieve",
    "a promised outcome ('will' + effect)": (
        r"\bwill (ease|fix|heal|help|improve|loosen|reduce|release|relieve|"
        r"remove|fade|feel|work|make you)\b"
    ),
    "prevent": r"\bprevent(s|ive|ative)?\b",
    "corrective": r"\bcorrect(s|ive)\b",
    "immune": r"\bimmun",
    # Lymph drainage claims; the chooser's safety question may name lymph
    # nodes and lymphedema.
    "lymph": r"\blymph(?! nodes)(?!edema)",
    # Promises only the owner can keep, now said with a hedge.
    "plan a safe, comfortable position": r"safe, comfortable position",
    "work alongside their advice": r"work alongside",
    "answers not saved or stored anywhere": r"not (saved|stored)",
    "pain-free": r"pain[- ]free",
}

# One term for the reader's own clinician.
OTHER_TERMS = r"\b(doctors?|physicians?|GPs?)\b"
THE_TERM = "healthcare provider"


def texts(node, path="widgets"):
    """Every reader-facing string under ``node``, as ``(key path, text)`` pairs."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name not in NOT_SHOWN:
                yield from texts(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, (list, tuple)):
        for index, item in enumerate(node):
            yield from texts(item, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def as_prose(text):
    """The text with its placeholders filled in and a full stop at the end."""
    text = re.sub(r"\{[a-z_]+\}", "this", " ".join(text.split()))
    return text if text.endswith((".", "!", "?")) else f"{text}."


def sentences(text):
    """The sentences of one text; a colon or semicolon does not end one."""
    return [s for s in re.split(r"(?<=[.!?])\s+", as_prose(text)) if s]


def word_count(sentence):
    return len([w for w in sentence.split() if re.search(r"[A-Za-z0-9]", w)])


@pytest.fixture(scope="module")
def words():
    return list(texts(load_widgets()))


def test_the_walk_finds_every_widget_and_skips_ids(words):
    keys = [key for key, _ in words]
    for widget in ("comparison", "techniques", "chooser"):
        assert any(key.startswith(f"widgets.{widget}.") for key in keys), widget
    assert not [key for key in keys if key.rsplit(".", 1)[-1] in NOT_SHOWN]
    assert len(words) > 100


def test_every_sentence_has_at_most_25_words(words):
    long = [
        f"{key} ({word_count(sentence)} words): {sentence}"
        for key, text in words
        for sentence in sentences(text)
        if word_count(sentence) > MAX_WORDS
    ]
    assert not long, "Sentences over 25 words:\n" + "\n".join(long)


def test_the_widget_text_reads_at_about_grade_7(words):
    prose = " ".join(as_prose(text) for _, text in words)
    grade = textstat.flesch_kincaid_grade(prose)
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade} is above {MAX_GRADE}"


@pytest.mark.parametrize(("name", "pattern"), OVERCLAIMS.items())
def test_no_overclaiming_or_out_of_scope_phrase_comes_back(words, name, pattern):
    found = [f"{key}: {text}" for key, text in words if re.search(pattern, text, re.I)]
    assert not found, f"{name!r} is back in:\n" + "\n".join(found)


# British words or usage a US practice's readers would trip on.
UK_USAGE = {
    "tick (US: check)": r"\btick(s|ed|ing)?\b",
    "medicines (US: medications)": r"\bmedicines\b",
    "Does any of these (US: Do any of these)": r"\bdoes any of these\b",
    "licence (US: license)": r"\blicen[cs]e\b(?<!license)",
}


@pytest.mark.parametrize(("name", "pattern"), UK_USAGE.items())
def test_us_spelling_and_usage(words, name, pattern):
    found = [f"{key}: {text}" for key, text in words if re.search(pattern, text, re.I)]
    assert not found, f"{name!r} in:\n" + "\n".join(found)


def test_one_term_for_the_readers_healthcare_provider(words):
    others = [f"{key}: {text}" for key, text in words if re.search(OTHER_TERMS, text)]
    assert not others, f"Say {THE_TERM!r} instead in:\n" + "\n".join(others)
    assert any(THE_TERM in text.lower() for _, text in words)


def test_every_technique_says_when_to_ask_a_healthcare_provider_first(words):
    notes = [text for key, text in words if key.endswith(".ask_first")]
    # The label and each technique's note.
    assert len(notes) >= 7
    for note in notes:
        assert THE_TERM in note.lower(), note


def test_the_checks_catch_what_they_are_meant_to():
    assert word_count("one two three, four: five.") == 5
    assert sentences("First one. Second: still one! Third?") == [
        "First one.",
        "Second: still one!",
        "Third?",
    ]
    assert re.search(OVERCLAIMS["heal"], "It heals.", re.I)
    assert not re.search(OVERCLAIMS["heal"], "your healthcare provider", re.I)
    assert not re.search(
        OVERCLAIMS["diagnosis (except 'not a diagnosis')"], "a guide, not a diagnosis"
    )
    assert re.search(OTHER_TERMS, "ask your GP")
