"""Benchmark: who the site counts as a reader, on public User-Agent corpora.

Run from the project folder after `make test` has fetched the corpora once:

    .venv/bin/python benchmarks/classify.py

Every string of every corpus (benchmarks/agent_corpora.py) is classified as
the site classifies a booking click: ``GET /book`` with a current browser's
navigation headers, so only the User-Agent differs. It prints, per corpus,
the share counted as a reader and what the rest were called; then our named
strings (benchmarks/agent_strings.yml) with any that are not what they
should be; then how many browser strings claim a browser that always sends
Fetch Metadata (a script copying one of those without it is not counted).
"""

import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.agent_corpora import (
    bot_corpora,
    browser_corpora,
    classifier_app,
    click_reason,
    named_strings,
)
from webapp.tracking.agents import promises_fetch_metadata


def main():
    """Classify every corpus and print the shares."""
    with tempfile.TemporaryDirectory() as folder:
        app = classifier_app(folder)
        print("Share counted as readers (GET /book with a browser's headers):\n")
        browsers = browser_corpora()
        for name, strings in browsers.items():
            report(app, name, strings, "browsers")
        for name, strings in bot_corpora().items():
            report(app, name, strings, "bots")
        print()
        named(app)
        every = [agent for strings in browsers.values() for agent in strings]
        promising = sum(promises_fetch_metadata(agent) for agent in every)
        print(
            f"\nBrowser strings claiming a browser that always sends Fetch Metadata: "
            f"{promising / len(every):.1%} of {len(every):,}"
        )


def report(app, name, strings, kind):
    """One corpus: how many counted, what the others were called."""
    started = time.perf_counter()
    reasons = collections.Counter(click_reason(app, agent) for agent in strings)
    seconds = time.perf_counter() - started
    counted = reasons.pop(None, 0)
    others = ", ".join(f"{reason} {n:,}" for reason, n in reasons.most_common())
    share = counted / len(strings)
    each = seconds / len(strings) * 1e3
    print(
        f"  {name:<28} {kind:<8} {len(strings):>6,}  counted {share:6.1%}"
        f"   not counted: {others or '-'}   ({each:.2f} ms each)"
    )


def named(app):
    """Our named strings: each as it should be, or listed."""
    wrong = []
    total = 0
    for section, default in (("readers", None), ("previews", "shared"), ("bots", None)):
        for case in named_strings()[section]:
            total += 1
            expected = case.get("expect", default)
            got = click_reason(app, case["agent"])
            if got != expected:
                wrong.append(f"    {case['name']}: {got} (expected {expected})")
    print(f"Named strings (agent_strings.yml): {total - len(wrong)} of {total} right")
    print("\n".join(wrong))


if __name__ == "__main__":
    main()
