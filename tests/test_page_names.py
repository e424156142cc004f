"""Each page names itself for assistive technology: its skip link and its title.

A skip link says where it leads on that page, and a page that shows a form
error says "Error:" first in its title, which a screen reader reads on load.
"""

import re

import pytest

from .conftest import log_in

SKIP_LINK = re.compile(r'<a class="skip-link" href="#main">([^<]+)</a>')
TITLE = re.compile(r"<title>([^<]+)</title>")


def names(response):
    """(the skip link's words, the page's title)."""
    html = response.get_data(as_text=True)
    return SKIP_LINK.search(html).group(1), TITLE.search(html).group(1)


@pytest.mark.parametrize(
    ("path", "skip"),
    [
        ("/", "Skip to the article"),
        ("/?aspect=training", "Skip to the article"),
        ("/privacy", "Skip to the privacy notice"),
        ("/login", "Skip to the sign-in form"),
        ("/no-such-page", "Skip to the error message"),
    ],
)
def test_skip_link_names_the_pages_main_content(client, path, skip):
    assert names(client.get(path))[0] == skip


def test_the_dashboards_skip_link_and_title(owner_client):
    skip, title = names(owner_client.get("/stats"))
    assert skip == "Skip to the dashboard"
    assert not title.startswith("Error")
    skip, title = names(owner_client.get("/stats?from=2025-02-30&to=2025-03-01"))
    assert title.startswith("Error: ")


def test_pages_with_a_form_error_say_so_first_in_their_title(client, owner_password):
    assert not names(client.get("/"))[1].startswith("Error")
    # The chooser asking for its answers, without JavaScript.
    response = client.post("/", data={"show": "suggestion"})
    assert response.status_code == 422
    assert names(response)[1].startswith("Error: ")
    # A wrong password.
    response = log_in(client, "not the password at all")
    assert names(response)[1].startswith("Error: ")
