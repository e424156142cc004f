"""Who counts as a reader: named cases through real requests, and public corpora.

The corpora (benchmarks/agent_corpora.py) are fetched by `make test`; the
figures for all of them are in the README (benchmarks/classify.py).
"""

import re

import pytest

from benchmarks.agent_corpora import (
    bot_corpora,
    browser_corpora,
    classifier_app,
    click_reason,
    named_strings,
    sample,
)
from webapp.tracking.agents import device_and_browser
from webapp.tracking.vocabulary import REASON_LABELS

from .conftest import DESKTOP, OLD_PHONE, PHONE, log_in, visit
from .test_tracking import rows, tallies

NAMED = named_strings()


def case_id(case):
    """A test id from a named string's name."""
    return case["name"]


def click(client, agent, **kwargs):
    """A booking click by ``agent`` following one of our links."""
    response = visit(client, "/book?from=header", agent=agent, **kwargs)
    assert response.status_code == 302
    return response


def counted_clicks(database_path):
    """How many booking clicks were counted."""
    return len(rows(database_path, "SELECT * FROM events WHERE kind = 'click'"))


# --- Named cases, end to end ----------------------------------------------------------


@pytest.mark.parametrize("case", NAMED["readers"], ids=case_id)
def test_readers_in_browsers_and_in_app_browsers_are_counted(
    client, database_path, case
):
    click(client, case["agent"])
    assert counted_clicks(database_path) == 1
    assert tallies(database_path) == {}


@pytest.mark.parametrize("case", NAMED["previews"], ids=case_id)
def test_link_preview_fetchers_are_tallied_as_shared(client, database_path, case):
    click(client, case["agent"])
    assert counted_clicks(database_path) == 0
    assert tallies(database_path) == {("shared", "click"): 1}


@pytest.mark.parametrize("case", NAMED["bots"], ids=case_id)
def test_bots_are_tallied_by_kind(client, database_path, case):
    click(client, case["agent"])
    assert counted_clicks(database_path) == 0
    assert tallies(database_path) == {(case["expect"], "click"): 1}


def test_the_apps_in_the_issue_are_named_cases():
    """The cases the owner asked about stay in the list."""
    names = " ".join(case["name"] for section in NAMED.values() for case in section)
    for app in ("Snapchat", "Viber", "Instagram", "Facebook", "TikTok", "Lynx"):
        assert f"{app} in-app browser" in names or app in names
    agents = " ".join(case["agent"] for case in NAMED["bots"])
    for bot in ("anthropic-ai", "claude-code", "GPTBot", "Cursor/", "Datadog"):
        assert bot in agents
    for bot in ("Catchpoint", "Arachni", "python-requests", "curl/"):
        assert bot in agents


def test_the_in_app_browsers_of_issue_30_are_named_readers():
    """Each string's source is in benchmarks/agent_strings.yml."""
    readers = [case["agent"] for case in NAMED["readers"]]
    for token in ("GoogleApp/", "YelpWebView/", "Outlook-iOS/"):
        assert any(token in agent for agent in readers), token
    assert any("; wv)" in a and "(KHTML,like Gecko)" in a for a in readers)


# Each app's token beside a real bot's own string (crawler-user-agents
# 1.67.0 and crawlerdetect 0.4.2 instances): the token excuses only itself.
APP_TOKENS = (
    "GoogleApp/14.35.18.28.arm64",
    "YelpWebView/1.5 Android/7.0 YelpApp/9.10.0 (x-screen-scale 1.0;)",
    "Outlook-iOS/696.1188109.prod.iphone (2.102.0)",
)
BOT_WORDS = (
    ("bot", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
    ("bot", "ApacheBench/2.3"),
    ("monitor", "Nessus"),
)


@pytest.mark.parametrize("token", APP_TOKENS, ids=lambda token: token.split("/")[0])
@pytest.mark.parametrize(("reason", "bot"), BOT_WORDS, ids=("Ahrefs", "ab", "Nessus"))
def test_an_app_token_beside_a_bot_word_is_still_a_bot(
    client, database_path, token, reason, bot
):
    for agent in (f"{token} {bot}", f"{bot} {token}"):
        click(client, agent)
    assert counted_clicks(database_path) == 0
    assert tallies(database_path) == {(reason, "click"): 2}


# --- The request's own evidence: Fetch Metadata -----------------------------------

CHROME_120 = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


def test_a_current_chrome_without_fetch_metadata_is_a_script(client, database_path):
    click(client, CHROME_120, metadata=None)
    assert counted_clicks(database_path) == 0
    assert tallies(database_path) == {("posing", "click"): 1}
    click(client, CHROME_120)
    assert counted_clicks(database_path) == 1


@pytest.mark.parametrize(
    "agent",
    [
        OLD_PHONE,  # Safari 15
        "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/70.0.3538.102 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:78.0) Gecko/20100101 Firefox/78.0",
        NAMED["readers"][2]["agent"],  # Viber's web view: no promise made
    ],
    ids=["Safari 15", "Chrome 70", "Firefox 78", "Android web view"],
)
def test_browsers_that_never_promised_fetch_metadata_count_without_it(
    client, database_path, agent
):
    click(client, agent, metadata=None)
    assert counted_clicks(database_path) == 1


def test_over_plain_http_to_another_host_no_fetch_metadata_is_expected(
    client, database_path
):
    # Browsers send Sec-Fetch-* only to HTTPS and loopback: a phone trying
    # `make run` over the owner's network sends none.
    lan = {"base_url": "http://192.168.1.20:5000"}
    click(client, CHROME_120, metadata=None, **lan)
    assert counted_clicks(database_path) == 1
    secure = {"base_url": "https://massage.example"}
    click(client, CHROME_120, metadata=None, **secure)
    assert counted_clicks(database_path) == 1
    assert tallies(database_path) == {("posing", "click"): 1}


def test_a_request_without_a_user_agent_is_a_bot(client, database_path):
    with client.get("/book?from=header", headers={"User-Agent": ""}) as response:
        assert response.status_code == 302
    assert tallies(database_path) == {("bot", "click"): 1}


# --- What the owner sees ------------------------------------------------------------


def test_the_owner_sees_ai_agents_and_monitors_apart(
    app, client, database_path, owner_password
):
    click(client, "Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)")
    click(client, "claude-code/1.0.83 (external, cli)")
    click(client, "Datadog Agent/7.55.0")
    click(client, CHROME_120, metadata=None)
    # One reader, so the dashboard replaces its first-day checklist.
    click(client, CHROME_120)
    assert REASON_LABELS["ai"] == "AI agents and assistants"
    assert REASON_LABELS["monitor"] == "Monitors and scanners"
    owner = app.test_client()
    log_in(owner, owner_password)
    text = strip_tags(owner.get("/stats").get_data(as_text=True))
    assert "AI agents and assistants 2" in text
    assert "Monitors and scanners 1" in text
    assert "Scripts posing as browsers 1" in text


def strip_tags(html):
    """Text of an HTML fragment, tags dropped, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_terminal_report_has_them_too(app, client, database_path):
    click(client, "anthropic-ai")
    rows(database_path)  # written
    output = app.test_cli_runner().invoke(args=["stats"]).output
    assert re.search(r"^  AI agents and assistants +1$", output, re.M)
    assert re.search(r"^  Monitors and scanners +0$", output, re.M)


# --- Device and browser family, from uap-core -----------------------------------


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (PHONE, ("mobile", "Mobile Safari")),
        (DESKTOP, ("desktop", "Chrome")),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            ("tablet", "Mobile Safari"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            ("tablet", "Chrome"),
        ),
        (NAMED["readers"][4]["agent"], ("mobile", "Instagram")),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0",
            ("mobile", "Firefox Mobile"),
        ),
    ],
    ids=["iPhone", "Windows", "iPad", "Android tablet", "Instagram", "Firefox"],
)
def test_device_and_browser_family(agent, expected):
    assert device_and_browser(agent) == expected


def test_a_counted_click_stores_the_family(client, database_path):
    click(client, NAMED["readers"][4]["agent"])
    (row,) = rows(database_path)
    assert (row["device"], row["browser"]) == ("mobile", "Instagram")


# --- Public corpora ------------------------------------------------------------------

# Shares a release must keep (benchmarks/classify.py prints them all; the
# README has the figures). Browsers: at least 98% counted in every corpus (the
# issue asks 97%). Bots: at most 5% counted (the issue allows 10%).
BROWSERS_COUNTED_AT_LEAST = 0.98
BOTS_COUNTED_AT_MOST = 0.05
# device-detector's 34,000 browsers are measured on every 8th string here
# (all of them in the benchmark): the corpus is sorted, so the sample spreads
# over every maker and model.
SAMPLE_EVERY = {"device-detector browsers": 8}


BROWSER_CORPORA = (
    "top-user-agents (npm)",
    "user-agents (npm)",
    "device-detector browsers",
)
BOT_CORPORA = ("device-detector bots", "crawler-user-agents", "crawlerdetect crawlers")


@pytest.fixture(scope="module")
def measuring_app(tmp_path_factory):
    """The app the corpora are classified with."""
    return classifier_app(tmp_path_factory.mktemp("corpora"))


def test_the_corpora_are_the_ones_measured():
    assert tuple(browser_corpora()) == BROWSER_CORPORA
    assert tuple(bot_corpora()) == BOT_CORPORA


def counted_share(app, strings):
    """The share of ``strings`` counted as a reader's booking click."""
    counted = sum(click_reason(app, agent) is None for agent in strings)
    return counted / len(strings)


@pytest.mark.parametrize("name", BROWSER_CORPORA)
def test_browser_corpora_are_counted(measuring_app, name):
    strings = sample(browser_corpora()[name], SAMPLE_EVERY.get(name, 1))
    assert len(strings) >= 100
    assert counted_share(measuring_app, strings) >= BROWSERS_COUNTED_AT_LEAST


@pytest.mark.parametrize("name", BOT_CORPORA)
def test_bot_corpora_are_not_counted(measuring_app, name):
    strings = bot_corpora()[name]
    assert len(strings) >= 1000
    assert counted_share(measuring_app, strings) <= BOTS_COUNTED_AT_MOST
