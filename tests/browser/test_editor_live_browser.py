"""Issue 31's proof: an edit made in the browser reaches every gunicorn worker.

The owner signs in on a real gunicorn with four workers (each keeping the
article's answer in its fast path), changes a session's price and the
article's title, and every worker serves the new words within 2 s; restoring
the earlier version brings its words back everywhere.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from ..conftest import store_owner_password
from ..practice_data import write_practice
from ..servers import BROWSER_HEADERS, request, serving, wait_until
from .conftest import DESKTOP

# How long a worker may show the words from before a save.
LIVE_WITHIN = 2.0


def answers(port, count=64):
    """``count`` article pages fetched at once, spread over the workers."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(
            pool.map(
                lambda _: request(port, "/", headers=BROWSER_HEADERS).text,
                range(count),
            )
        )


def every_worker_shows(port, words):
    """True once every answer has ``words``, within ``LIVE_WITHIN`` seconds."""
    deadline = time.monotonic() + LIVE_WITHIN
    while not all(words in page for page in answers(port)):
        if time.monotonic() > deadline:
            return False
    return True


def save_title(page, base, title):
    """Give the article a new title in the editor and save it."""
    page.goto(base + "/edit/article")
    box = page.get_by_label(re.compile("^The text"))
    text = re.sub(r"(?m)^title: .*$", f"title: {title}", box.input_value(), count=1)
    box.fill(text)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")


def test_an_edit_reaches_every_worker_and_a_restore_brings_words_back(
    browser, tmp_path
):
    (tmp_path / "content").mkdir()
    practice = write_practice(tmp_path / "content")  # a session at $90
    with serving(
        tmp_path, args=["--workers", "4"], FLASK_PRACTICE_FILE=str(practice)
    ) as server:
        assert wait_until(lambda: len(server.worker_pids()) == 4, 30)
        password = store_owner_password(server.database)
        base = f"http://127.0.0.1:{server.port}"
        # Every worker keeps the article's answer before anything is saved.
        assert all("$90" in text for text in answers(server.port))

        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(base + "/login?next=/edit/practice")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/edit/practice")
        page.locator("#f-services-0-price").fill("95")
        page.get_by_role("button", name="Save your details").click()
        expect(page.get_by_role("status")).to_contain_text("Saved")
        assert every_worker_shows(server.port, "$95"), "a worker shows the old price"

        save_title(page, base, "Hands that listen")
        assert every_worker_shows(server.port, "Hands that listen")
        save_title(page, base, "A newer title")
        assert every_worker_shows(server.port, "A newer title")

        # Restore the first saved title from the article's history.
        page.goto(base + "/edit/article/history")
        restores = page.get_by_role("button", name=re.compile("^Restore version"))
        expect(restores).to_have_count(1)  # the version shown now has none
        restores.first.click()
        expect(page.get_by_role("status")).to_contain_text("restored")
        assert every_worker_shows(server.port, "Hands that listen")
        assert all("$95" in text for text in answers(server.port))
        context.close()
