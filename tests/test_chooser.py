"""The chooser: safe (red flags go to a healthcare provider), fair, and private.

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
from flask import g
from werkzeug.datastructures import MultiDict

from webapp.site.chooser import lean, read_chooser, recommend
from webapp.site.chooser_content import (
    KINDS,
    NONE_ANSWER,
    SAFETY_ANSWERS,
    TIE_BREAKER,
)
from webapp.site.chooser_table import TABLE_FILE, combinations, truth_table
from webapp.site.widget_content import WIDGETS_FILE, load_widgets

from .conftest import HOSTILE_STRINGS, OLD_PHONE, PHONE, visit
from .test_tracking import rows, tallies

WIDGETS = load_widgets()
CHOOSER = WIDGETS.chooser
RED_FLAGS = SAFETY_ANSWERS["health"]
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


def answers(
    reason="unsure", referral="no", recent="no", health=NONE_ANSWER, goal="relax"
):
    """A complete set of answers, as a posted form holds them."""
    # A list: the test client reads a tuple as a file upload.
    health = [health] if isinstance(health, str) else list(health)
    return {
        "reason": reason,
        "referral": referral,
        "recent": recent,
        "health": health,
        "goal": goal,
    }


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


def every_answer_set():
    """Every one-answer combination, with each way of ticking the red flags."""
    singles = [q for q in CHOOSER.questions if not q.multiple]
    ticks = [
        (NONE_ANSWER,),
        *((flag,) for flag in RED_FLAGS),
        RED_FLAGS,  # all of them
        (NONE_ANSWER, RED_FLAGS[0]),  # both, without JavaScript to untick
    ]
    for picked in itertools.product(*(q.answers for q in singles)):
        for health in ticks:
            given = {q.id: a.id for q, a in zip(singles, picked, strict=True)}
            given["health"] = health
            yield given


# --- The rule, over every combination -------------------------------------------


def test_any_red_flag_or_recent_surgery_or_injury_means_provider_first():
    checked = 0
    for given in every_answer_set():
        result = recommend(CHOOSER, given)
        flagged = set(given["health"]) - {NONE_ANSWER}
        if flagged or given["recent"] in SAFETY_ANSWERS["recent"]:
            assert result.outcome.id == "provider-first", given
            # Each safety answer's own reason is shown, in plain words.
            for flag in flagged:
                assert CHOOSER.question("health").get(flag).reason in result.reasons
            # And where the other answers point once the provider agrees.
            later = CHOOSER.outcomes[lean(CHOOSER, given).kind].name
            assert result.reasons[-1].endswith(f"point to {later}.")
        else:
            assert result.outcome.id in KINDS, given
        checked += 1
    assert checked == 4 * 2 * 3 * 3 * (len(RED_FLAGS) + 3)


def test_the_reasons_shown_always_support_the_suggestion():
    by_reason = {
        a.reason: a.leans
        for q in CHOOSER.questions
        for a in q.answers
        if a.reason and a.leans
    }
    for given in every_answer_set():
        result = recommend(CHOOSER, given)
        if result.outcome.id == "provider-first":
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


@pytest.mark.parametrize(
    ("given", "outcome"),
    [
        # The review's example: stress, a provider's suggestion, to relax.
        (answers("stress", "yes", goal="relax"), "therapeutic"),
        # A reader who wants to relax is never sold a medical massage.
        *(
            (answers(r, f, goal="relax"), "therapeutic")
            for r in ("problem", "stress", "upkeep", "unsure")
            for f in ("yes", "no")
        ),
        (answers("problem", "yes", goal="relief"), "medical"),
        (answers("problem", "no", goal="move"), "therapeutic"),
        (answers("problem", "yes", goal="move"), "medical"),
        (answers("upkeep", "no", goal="move"), "therapeutic"),
        (answers("stress", "no", goal="relax", health="pregnant"), "provider-first"),
        (answers("upkeep", "yes", recent="surgery", goal="move"), "provider-first"),
    ],
)
def test_chooser_suggests(given, outcome):
    assert recommend(CHOOSER, given).outcome.id == outcome


def test_it_no_longer_leans_medical():
    outcomes = [recommend(CHOOSER, given).outcome.id for given in combinations(CHOOSER)]
    assert len(outcomes) == 24
    # It used to be 18 of 24: any medical-leaning answer won.
    assert outcomes.count("medical") <= 12
    assert outcomes.count("therapeutic") >= 12


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
    singles = [
        q for q in CHOOSER.questions if not q.multiple and q.id not in SAFETY_ANSWERS
    ]
    published = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        published[tuple(cells[: len(singles)])] = cells[len(singles) + 1].strip("*")
    assert len(published) == 24
    for given in every_answer_set():
        if set(given["health"]) != {NONE_ANSWER} or given["recent"] != "no":
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
    given = answers("problem", "yes", goal="relax")
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
        "/", data=answers("problem", "yes", goal="relief", health="heart")
    )
    assert "point to clinical massage therapy." in text(response)


# --- Reading a posted form ----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"reason": "problem"}, {"referral", "recent", "health", "goal"}),
        ({"show": "suggestion"}, {"reason", "referral", "recent", "health", "goal"}),
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


def test_a_red_flag_ticked_with_none_of_these_still_counts():
    chosen = read_chooser(CHOOSER, form(answers(health=(NONE_ANSWER, "fever"))))
    assert chosen.recommendation.outcome.id == "provider-first"


def test_repeated_ticks_are_read_once():
    chosen = read_chooser(CHOOSER, form(answers(health=("fever",) * 500)))
    assert chosen.values["health"] == ("fever",)


# --- The page and the fragment ----------------------------------------------------


@pytest.mark.parametrize(
    ("given", "outcome"),
    [
        (answers("problem", "yes", goal="relief"), "medical"),
        (answers("stress", "yes", goal="relax"), "therapeutic"),
        (answers("upkeep", health="blood-thinners", goal="move"), "provider-first"),
    ],
)
def test_without_javascript_the_page_answers_a_post(client, given, outcome):
    response = client.post("/", data=given)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CHOOSER.outcomes[outcome].title in text(response)
    assert f'href="/book?from=chooser-{outcome}"' in html
    # Nothing of the answers is kept by a cache, and the form keeps them ticked.
    assert "no-store" in response.headers["Cache-Control"]
    for key, values in given.items():
        for value in (values,) if isinstance(values, str) else values:
            assert re.search(f'id="chooser-{key}-{value}"[^>]*checked', html)


@pytest.mark.parametrize(
    "given",
    [
        {"reason": "problem", "referral": "maybe"},
        {"show": "suggestion"},
        {**answers(), "health": []},
        {**answers(), "reason": "<script>alert(1)</script>"},
    ],
)
def test_bad_answers_rerender_the_form_with_a_clear_message(client, given):
    response = client.post("/", data=given)
    assert response.status_code == 422
    words = text(response)
    assert CHOOSER.errors.title in words
    assert "Our suggestion" not in words
    html = response.get_data(as_text=True)
    assert "/book?from=chooser-" not in html
    assert "<script>alert" not in html


def test_no_health_tick_says_to_tick_one_or_none_of_these(client):
    response = client.post("/", data={**answers(), "health": []})
    assert CHOOSER.errors.missing_multiple in text(response)
    html = response.get_data(as_text=True)
    # The summary links to the question's first answer; its boxes are invalid,
    # the answered questions' are not; the title says there is an error.
    assert 'href="#chooser-health-pregnant"' in html
    invalid = re.findall(r'id="chooser-([a-z]+)-[a-z-]+"[^>]*aria-invalid="true"', html)
    assert set(invalid) == {"health"} and len(invalid) == len(RED_FLAGS) + 1
    assert re.search(r"<title>Error: [^<]+</title>", html)
    # htmx's answer carries the same title, and a fixed form takes it away.
    fragment = client.post(
        "/widgets/chooser", data={**answers(), "health": []}, headers=HTMX
    )
    assert fragment.get_data(as_text=True).lstrip().startswith("<title>Error: ")
    fixed = client.post("/widgets/chooser", data=answers(), headers=HTMX)
    title = re.match(r"\s*<title>([^<]+)</title>", fixed.get_data(as_text=True))
    assert title and not title.group(1).startswith("Error")


@pytest.mark.parametrize("flag", RED_FLAGS)
def test_htmx_fragment_for_each_red_flag(client, flag):
    given = answers("problem", "yes", goal="relief", health=flag)
    response = client.post("/widgets/chooser", data=given, headers=HTMX)
    assert response.status_code == 200
    words = text(response)
    assert f"Our suggestion: {CHOOSER.outcomes['provider-first'].title}." in words
    assert CHOOSER.question("health").get(flag).reason in words
    # The URL is left as it is: no answer goes into the address bar or history.
    assert "HX-Push-Url" not in response.headers
    assert "no-store" in response.headers["Cache-Control"]


def test_htmx_fragment_with_bad_answers_is_the_form_and_a_422(client):
    given = {"reason": "problem", "referral": "perhaps", "recent": "no"}
    response = client.post("/widgets/chooser", data=given, headers=HTMX)
    assert response.status_code == 422
    words = text(response)
    assert CHOOSER.errors.invalid in words
    assert CHOOSER.errors.missing in words
    assert CHOOSER.errors.missing_multiple in words
    assert CHOOSER.status_error in words


def test_answers_in_an_address_are_never_read(client):
    old = "reason=problem&referral=yes&recent=surgery&health=pregnant&goal=relief"
    response = client.get(f"/?{old}")
    assert response.status_code == 200
    assert "Our suggestion" not in text(response)
    assert "checked" not in response.get_data(as_text=True)
    # The fragment's old GET address leads to the page, the answers dropped.
    response = client.get(f"/widgets/chooser?{old}&utm_source=news")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?utm_source=news#chooser-result"


def test_a_post_to_the_fragment_without_htmx_is_sent_on_to_the_page(client):
    given = answers("stress", goal="relax")
    response = client.post("/widgets/chooser", data=given)
    assert response.status_code == 307  # the browser posts the same body again
    assert response.headers["Location"] == "/#chooser-result"
    # What the browser then posts to the page is answered there.
    response = client.post("/", data=given)
    assert CHOOSER.outcomes["therapeutic"].title in text(response)


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
@pytest.mark.parametrize("path", ["/", "/widgets/chooser"])
def test_malformed_posts_never_give_a_500(client, path, value):
    for data in ({"reason": value}, {"health": [value] * 50}, {value: value}):
        response = client.post(path, data=data, headers=HTMX)
        assert response.status_code in (200, 422)
        assert b"Traceback" not in response.data
    response = client.post(path, data=b"\xff\xfe%%%", content_type="text/plain")
    assert response.status_code < 500


# --- What is counted: the suggestion, never the answers ----------------------------


def noted(client, path, data, **headers):
    """The widget uses one POST notes for the click log."""
    with client:
        client.post(path, data=data, headers=headers)
        return list(g.get("widget_events", []))


@pytest.mark.parametrize("path", ["/", "/widgets/chooser"])
def test_a_suggestion_is_counted_once_per_post(client, path):
    given = answers("stress", goal="relax", health="pregnant")
    assert noted(client, path, given, **HTMX) == [("chooser", "provider-first")]
    assert noted(client, path, {"reason": "problem"}, **HTMX) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://stuffing.example"},
        {"Origin": "null"},
    ],
)
def test_another_sites_posts_are_answered_but_not_counted(
    client, database_path, headers
):
    given = answers("stress", goal="relax")
    # Without Fetch Metadata only an old browser is a possible reader.
    agent = PHONE if "Sec-Fetch-Site" in headers else OLD_PHONE
    post = {"method": "post", "data": given, "headers": headers, "metadata": None}
    response = visit(client, "/", agent, **post)
    assert CHOOSER.outcomes["therapeutic"].title in text(response)
    assert rows(database_path) == []
    assert tallies(database_path) == {("embedded", "widget"): 1}
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    visit(client, "/", method="post", data=given, headers=same)
    assert [(r["widget"], r["detail"]) for r in rows(database_path)] == [
        ("chooser", "therapeutic")
    ]


def test_answers_never_reach_the_database_or_the_logs(client, database_path, caplog):
    secret_ids = ("pregnant", "blood-thinners", "surgery")
    given = answers(
        "problem", "yes", "surgery", ("pregnant", "blood-thinners"), "relief"
    )
    with caplog.at_level("DEBUG"):
        visit(client, "/", method="post", data=given)
        visit(client, "/widgets/chooser", method="post", data=given, headers=HTMX)
    stored = b"".join(
        path.read_bytes()
        for path in database_path.parent.iterdir()
        if path.name.startswith(database_path.name)
    )
    assert b"provider-first" in stored  # the outcome is counted...
    for secret in secret_ids:  # ...and nothing of what led to it
        assert secret.encode() not in stored
        assert secret not in caplog.text


# --- The page says one thing ---------------------------------------------------------


def test_the_health_note_and_every_suggestion_agree(client):
    from webapp.site.article import load_article

    note = load_article().health_note.lower()
    # The note sends the same readers to a healthcare provider as the chooser.
    for words in ("recent surgery", "new injury", "pregnant", "blood thinners"):
        assert words in note
    assert "healthcare provider before you book" in note
    # Old injuries and diagnosed conditions: the note and the medical
    # suggestion both say to ask a healthcare provider's advice first.
    medical = CHOOSER.outcomes["medical"]
    for text_ in (note, medical.next_step.lower()):
        assert "old injury" in text_ and "diagnosed condition" in text_
        assert "healthcare provider" in text_ or "their advice" in text_
    # The medical suggestion keeps the article's own hedge.
    assert "might be the better choice" in medical.summary
    response = client.post("/", data=answers("problem", "yes", goal="relief"))
    shown = text(response)
    assert medical.next_step in shown and load_article().health_note in shown
