"""A second article written in Chromium, with JavaScript and without (issue 32).

The owner creates an article from Edit the site, writes a section, publishes
it; a reader in a fresh browser finds it at its address. The owner deletes it
(after the page that asks first): the reader gets a 404; restored from
Deleted articles, it is back for the reader.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, axe_violations
from .test_dashboard_browser import sign_in

TITLE = "Prenatal massage: what to expect"
SLUG = "prenatal-massage-what-to-expect"
SECTION = "\n---\n\n## Who it is for\n\nFrom the second trimester, with a pillow.\n"


def reader_opens(open_page, js):
    """A reader's fresh browser at the article's address; (page, status)."""
    page = open_page("/", js=js)
    response = page.goto(page.url.rstrip("/") + f"/articles/{SLUG}")
    return page, response.status


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_owner_writes_publishes_deletes_and_restores_an_article(
    open_page, live_server, owner_password, js
):
    page = sign_in(
        open_page, live_server, owner_password, "/edit", viewport=DESKTOP, js=js
    )
    page.get_by_role("link", name="New article").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New article")
    page.get_by_label("Its title").fill(TITLE)
    address = page.get_by_label("Its address")
    if js:
        # The address follows the title as it is typed.
        expect(address).to_have_value(SLUG)
    else:
        expect(address).to_have_value("")  # made from the title on saving
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(f"{live_server.url}/edit/articles/{SLUG}")
    status = page.locator("#edit-status")
    expect(status).to_contain_text("Saved as a draft: only you can see it.")
    article_status = page.locator(".editor-article-status")
    expect(article_status).to_contain_text("Draft: only you can see it")

    _reader, before = reader_opens(open_page, js)
    assert before == 404  # a draft is the owner's only

    box = page.get_by_label(re.compile("^The text"))
    box.fill(box.input_value() + SECTION)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(status).to_contain_text("Saved.")
    page.get_by_role("button", name="Publish").click()
    expect(status).to_contain_text(f"“{TITLE}” is published")

    reader, published = reader_opens(open_page, js)
    assert published == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(
        reader.get_by_text("From the second trimester, with a pillow.")
    ).to_be_visible()

    page.get_by_role("link", name=re.compile("^Delete")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete “{TITLE}”?")
    page.get_by_role("button", name="Delete the article").click()
    page.wait_for_url(f"{live_server.url}/edit")
    expect(page.locator(".editor-status")).to_contain_text(f"“{TITLE}” is deleted")
    deleted = page.locator(".editor-articles")
    expect(deleted.get_by_role("heading", name="Deleted articles")).to_be_visible()
    assert reader.goto(reader.url).status == 404
    if js:  # axe needs the page's timers
        assert axe_violations(page) == []

    deleted.get_by_role("button", name=f"Restore “{TITLE}”").click()
    page.wait_for_url(f"{live_server.url}/edit/articles/{SLUG}/history")
    expect(page.get_by_role("status")).to_contain_text("restored")
    again = reader.goto(reader.url)
    assert again.status == 200
    expect(
        reader.get_by_text("From the second trimester, with a pillow.")
    ).to_be_visible()
    page.watch.assert_clean()
