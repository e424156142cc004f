"""Public User-Agent corpora, for measuring who the site counts as a reader.

Every corpus ships in a registry package, so anyone can check the figures:

* browsers (a person; should be counted):
  ``top-user-agents`` (npm: the most common browser strings of the day),
  ``user-agents`` (npm: real browsers' fingerprints, as collected by Intoli),
  the browser fixtures of Matomo's device-detector (PyPI source
  distribution ``device-detector``: thousands of phones, tablets, TVs,
  consoles, old and odd browsers);
* bots (should not be counted):
  the ``instances`` of ``crawler-user-agents`` (PyPI, installed), the bot and
  feed-reader fixtures of device-detector, and ``crawlerdetect``'s crawler
  fixtures (PyPI source distribution);
* our named strings (``agent_strings.yml``): in-app browsers, link previews,
  AI agents, monitors and scanners.

The npm packages come with ``npm ci`` (package.json), the source
distributions with ``make test`` (``benchmarks/corpora-requirements.txt``,
hash-checked). Two corpora are the test data of libraries the classifier
uses (crawlerdetect's and crawler-user-agents'): they show nothing was lost
in combining, not independent accuracy; device-detector's and the npm lists
are independent.
"""

import functools
import json
import tarfile
from pathlib import Path

import crawleruseragents
import yaml

PROJECT = Path(__file__).resolve().parent.parent
CORPORA_DIR = PROJECT / ".cache" / "agent-corpora"
NODE_MODULES = PROJECT / "node_modules"
NAMED = Path(__file__).with_name("agent_strings.yml")
DEVICE_DETECTOR = "device_detector-6.5.1.tar.gz"
CRAWLERDETECT = "crawlerdetect-0.4.2.tar.gz"
FIXTURES = "device_detector-6.5.1/device_detector/tests/fixtures/upstream/"
CRAWLERDETECT_FIXTURE = "crawlerdetect-0.4.2/tests/fixtures/user_agent/crawlers.txt"


class CorpusMissing(RuntimeError):
    """A corpus file is not there: run `make test` (or `npm ci`) once."""


def _need(path):
    """``path``, or a clear error naming what installs it."""
    if not path.exists():
        raise CorpusMissing(f"{path} is missing: `make test` downloads it")
    return path


def named_strings():
    """Our named strings: {"readers": [...], "previews": [...], "bots": [...]}."""
    return yaml.safe_load(NAMED.read_text())


@functools.cache
def _device_detector_fixtures():
    """(user agent, entry) for every fixture in device-detector's test data."""
    found = []
    with tarfile.open(_need(CORPORA_DIR / DEVICE_DETECTOR)) as archive:
        for member in archive.getmembers():
            if not (member.name.startswith(FIXTURES) and member.name.endswith(".yml")):
                continue
            entries = yaml.load(archive.extractfile(member), Loader=_yaml_loader())
            for entry in entries or ():
                if isinstance(entry, dict) and entry.get("user_agent") is not None:
                    found.append((str(entry["user_agent"]), entry))
    return found


def _yaml_loader():
    """libyaml's fast loader when PyYAML has it (35,000 entries to read)."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _client_type(entry):
    """device-detector's client type of a fixture ("browser", "feed reader"...)."""
    client = entry.get("client")
    return client.get("type") if isinstance(client, dict) else None


@functools.cache
def browser_corpora():
    """{corpus name: sorted unique browser strings a client can send}."""
    top = NODE_MODULES / "top-user-agents" / "src"
    top_strings = set()
    for name in ("index.json", "desktop.json", "mobile.json"):
        top_strings.update(json.loads(_need(top / name).read_text()))
    intoli = NODE_MODULES / "user-agents" / "dist" / "user-agents.json"
    intoli_strings = {row["userAgent"] for row in json.loads(_need(intoli).read_text())}
    fixtures = {
        agent
        for agent, entry in _device_detector_fixtures()
        if "bot" not in entry and _client_type(entry) == "browser"
    }
    return {
        "top-user-agents (npm)": _sendable(top_strings),
        "user-agents (npm)": _sendable(intoli_strings),
        "device-detector browsers": _sendable(fixtures),
    }


@functools.cache
def bot_corpora():
    """{corpus name: sorted unique bot strings a client can send}."""
    fixtures = {
        agent
        for agent, entry in _device_detector_fixtures()
        if "bot" in entry or _client_type(entry) == "feed reader"
    }
    with tarfile.open(_need(CORPORA_DIR / CRAWLERDETECT)) as archive:
        lines = archive.extractfile(CRAWLERDETECT_FIXTURE).read().decode()
    instances = {
        instance
        for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA
        for instance in entry.get("instances", ())
    }
    return {
        "device-detector bots": _sendable(fixtures),
        "crawler-user-agents": _sendable(instances),
        "crawlerdetect crawlers": _sendable(lines.splitlines()),
    }


def _sendable(strings):
    """The strings a client can send as a header, sorted (no line breaks)."""
    return sorted(
        s for s in set(strings) if s.strip() and not any(c in s for c in "\r\n\0")
    )


def sample(strings, every):
    """Every ``every``-th string: a fixed, spread sample of a sorted corpus."""
    return strings[::every]


def classifier_app(folder):
    """The site's app as tests build it, its database in ``folder``."""
    from webapp import create_app

    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(Path(folder) / "classify.db"),
            "SECRET_KEY": "classifier-measurement-only",
        }
    )


def click_reason(app, agent, metadata=True):
    """Why a booking click by ``agent`` is not counted, or None: the site's own rule.

    Classified as the request ``GET /book`` with a browser's navigation
    headers (``metadata``), so that only the User-Agent differs.
    """
    from flask import request

    from tests.servers import NAVIGATION
    from webapp.tracking.classify import judge
    from webapp.tracking.vocabulary import CLICK

    headers = {"User-Agent": agent, **(NAVIGATION if metadata else {})}
    with app.test_request_context("/book?from=header", headers=headers):
        return judge(request.environ, "/").reason_for(CLICK)
