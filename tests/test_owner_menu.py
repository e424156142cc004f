"""The owner's menu on every owner page, and whether the weekly letter can go out.

Dashboard · Bookings · Weekly letter · Edit the site · View the site · Sign
out: plain links (they work without JavaScript), the page shown marked
``aria-current``, and Sign out a POST form with its CSRF token.
"""

import re

import pytest

from .conftest import csrf_token_from, make_app

MENU = [
    "Dashboard",
    "Bookings",
    "Weekly letter",
    "Edit the site",
    "View the site",
    "Sign out",
]
MENU_LINKS = {
    "Dashboard": "/stats",
    "Bookings": "/stats/bookings",
    "Weekly letter": "/stats/digest",
    "Edit the site": "/edit",
    "View the site": "/",
}
NAV = re.compile(r'<nav class="owner-menu" aria-label="Owner pages">(.*?)</nav>', re.S)
LINK = re.compile(r'<a class="owner-menu__link" href="([^"]+)"([^>]*)>([^<]+)</a>')


def menu_of(html):
    """The menu's ``(text, href, current)`` links, and its Sign out form."""
    [nav] = NAV.findall(html)
    links = [
        (text, href, 'aria-current="page"' in rest)
        for href, rest, text in LINK.findall(nav)
    ]
    return links, nav


def assert_menu(html, current):
    """The six entries in order, ``current`` (a text, or None) the one marked."""
    links, nav = menu_of(html)
    texts = [text for text, _href, _current in links] + re.findall(r">(Sign out)<", nav)
    assert texts == MENU
    assert {text: href for text, href, _ in links} == MENU_LINKS
    assert [text for text, _href, is_current in links if is_current] == (
        [current] if current else []
    )
    form = re.search(
        r'<form class="owner-logout" method="post" action="/logout">(.*?)</form>',
        nav,
        re.S,
    )
    assert form and 'name="csrf_token"' in form.group(1)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/stats", "Dashboard"),
        ("/stats/bookings", "Bookings"),
        ("/stats/digest", "Weekly letter"),
        ("/edit", "Edit the site"),
    ],
)
def test_owner_pages_carry_the_menu_with_the_page_shown_marked(
    owner_client, path, current
):
    response = owner_client.get(path)
    assert response.status_code == 200
    assert_menu(response.get_data(as_text=True), current)


def test_the_notes_page_carries_the_menu_with_no_entry_marked(owner_client):
    # Without JavaScript a refused note comes back as a page of its own.
    token = csrf_token_from(owner_client.get("/stats/bookings").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "from": "2026-11-01",
        "to": "2026-11-07",
        "day": "",
        "text": "",
    }
    response = owner_client.post("/stats/notes", data=data)
    assert response.status_code == 400
    assert_menu(response.get_data(as_text=True), None)


def test_sign_out_from_the_menu_signs_out(owner_client):
    html = owner_client.get("/stats/digest").get_data(as_text=True)
    _links, nav = menu_of(html)
    response = owner_client.post("/logout", data={"csrf_token": csrf_token_from(nav)})
    assert response.status_code in (302, 303)
    assert owner_client.get("/stats/digest").status_code in (302, 401)


def test_the_sign_in_page_has_no_owner_menu(client):
    assert 'class="owner-menu"' not in client.get("/login").get_data(as_text=True)


MAIL = {
    "DIGEST_TO": "owner@massage.example",
    "MAIL_SERVER": "smtp.massage.example",
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": "true",
    "MAIL_USERNAME": "letters@massage.example",
    "MAIL_PASSWORD": "app-password",
    "MAIL_DEFAULT_SENDER": "letters@massage.example",
}


@pytest.mark.parametrize(
    ("settings", "ready"),
    [
        ({}, False),
        (MAIL, True),
        ({**MAIL, "DIGEST_TO": ""}, False),
        ({**MAIL, "MAIL_USE_SSL": "true"}, False),  # TLS and SSL both on
    ],
)
def test_weekly_letter_ready_for_templates(database_path, settings, ready):
    app = make_app(database_path, **settings)
    with app.test_request_context():
        template = app.jinja_env.from_string(
            "{% if weekly_letter_ready is defined and weekly_letter_ready() %}"
            "ready{% endif %}"
        )
        assert (template.render() == "ready") is ready
