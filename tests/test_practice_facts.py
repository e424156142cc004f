"""The practice's name, phone, address and currency, from content/practice.yaml.

Every page shows them (title, header, footer, privacy page, structured data).
A deployment made before still sets FLASK_PRACTICE_NAME and the rest: each
is read for the fact its practice.yaml leaves out, and `flask check` names
the key to put in the file instead.
"""

import json
import re

import pytest

from webapp import create_app

from .conftest import make_app
from .practice_data import filled_practice_app, write_practice

OLD = {
    "PRACTICE_NAME": "Old Hands & Co",
    "PRACTICE_PHONE": "+1 555 0199",
    "PRACTICE_ADDRESS": "9 Elm Road",
    "PRACTICE_CITY": "Shelbyville",
    "CURRENCY": "EUR",
}
PRICED = "services:\n  - name: Massage\n    minutes: 60\n    price: 90\n"


def business(html):
    """The business node of the page's JSON-LD."""
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    graph = json.loads(raw.group(1))["@graph"]
    return next(node for node in graph if node["@type"] == "HealthAndBeautyBusiness")


def page(app, path="/"):
    """The page's HTML."""
    return app.test_client().get(path).get_data(as_text=True)


def check_lines(app):
    """`flask check`'s output and exit code, as the owner runs it."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["check"])
    return result.output.splitlines(), result.exit_code


def practice_lines(lines):
    """The lines about the old practice settings."""
    return [line for line in lines if re.search(r"FLASK_(PRACTICE_|CURRENCY)", line)]


def test_every_page_shows_the_facts_practice_yaml_gives(tmp_path):
    app = filled_practice_app(tmp_path / "filled")
    html = page(app)
    assert re.search(r"<title>[^<]*\| Calm Hands Massage</title>", html)
    assert "<span>Calm Hands Massage</span>" in html  # the header
    assert '<p class="site-footer__name">Calm Hands Massage</p>' in html
    assert "1 Main Street, Springfield" in html
    assert (
        '<a href="tel:+15550100" data-call="/call?from=footer">+1 555 0100</a>' in html
    )
    assert '<meta property="og:site_name" content="Calm Hands Massage">' in html
    data = business(html)
    assert data["name"] == "Calm Hands Massage"
    assert data["telephone"] == "+1 555 0100"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "1 Main Street",
        "addressLocality": "Springfield",
    }
    privacy = page(app, "/privacy")
    assert "Calm Hands Massage runs this site" in privacy
    assert "By post or in person: 1 Main Street, Springfield" in privacy
    lines, code = check_lines(app)
    assert code == 0
    assert practice_lines(lines) == []


def test_an_old_setting_gives_the_fact_the_file_leaves_out(tmp_path, database_path):
    path = write_practice(tmp_path, PRICED)  # no name, phone, address or currency
    app = make_app(database_path, PRACTICE_FILE=str(path), **OLD)
    html = page(app)
    assert '<p class="site-footer__name">Old Hands &amp; Co</p>' in html
    assert "9 Elm Road, Shelbyville" in html
    assert (
        '<a href="tel:+15550199" data-call="/call?from=footer">+1 555 0199</a>' in html
    )
    assert "60 minutes, €90" in html
    assert business(html)["priceRange"] == "€90"
    assert app.config["CURRENCY"] == "EUR"  # what the bookings code reads
    lines, code = check_lines(app)
    assert code == 0
    for setting, key, value in (
        ("PRACTICE_NAME", "name", "Old Hands & Co"),
        ("PRACTICE_PHONE", "phone", "+1 555 0199"),
        ("PRACTICE_ADDRESS", "address", "9 Elm Road"),
        ("PRACTICE_CITY", "city", "Shelbyville"),
        ("CURRENCY", "currency", "EUR"),
    ):
        assert (
            f"warning: practice: FLASK_{setting} is deprecated: put "
            f'{key}: "{value}" in {path}, then delete the setting'
        ) in lines
    assert len(practice_lines(lines)) == 5


def test_the_file_wins_over_an_old_setting(tmp_path, database_path):
    text = "name: Calm Hands\nphone: +1 555 0100\ncurrency: CAD\n" + PRICED
    path = write_practice(tmp_path, text)
    app = make_app(database_path, PRACTICE_FILE=str(path), **OLD)
    html = page(app)
    assert "Calm Hands" in html and "Old Hands" not in html
    assert "+1 555 0100" in html and "+1 555 0199" not in html
    assert "9 Elm Road" in html  # the file gives no address: the setting's
    assert "CA$90" in html
    lines, code = check_lines(app)
    assert code == 0
    assert (
        "warning: practice: FLASK_PRACTICE_NAME (Old Hands & Co) is no longer "
        f"read: {path} gives the name (Calm Hands), which the site shows; if Old "
        'Hands & Co is right, put name: "Old Hands & Co" there; then delete the '
        "setting"
    ) in lines
    assert (
        f"warning: practice: FLASK_CURRENCY (EUR) is no longer read: {path} "
        "gives the currency (CAD), which the site shows; if EUR is right, put "
        'currency: "EUR" there; then delete the setting'
    ) in lines
    assert len(practice_lines(lines)) == 5  # one line for each setting given


def test_an_old_setting_the_file_agrees_with_is_only_to_delete(tmp_path, database_path):
    path = write_practice(tmp_path, "currency: EUR\n")
    app = make_app(database_path, PRACTICE_FILE=str(path), CURRENCY="EUR")
    lines, code = check_lines(app)
    assert code == 0
    assert practice_lines(lines) == [
        f"warning: practice: FLASK_CURRENCY (EUR) is no longer read: {path} gives "
        "the currency (EUR), which the site shows; delete the setting"
    ]


def test_a_currency_setting_that_is_no_currency_is_an_error_not_a_stop(
    tmp_path, database_path
):
    path = write_practice(tmp_path, PRICED)
    app = make_app(database_path, PRACTICE_FILE=str(path), CURRENCY="dollars")
    assert "60 minutes, $90" in page(app)  # the default currency, USD
    lines, code = check_lines(app)
    assert code == 1
    assert (
        "error: FLASK_CURRENCY cannot be the practice's currency ('dollars'): "
        f"give 'currency:' in {path} and delete the setting"
    ) in lines


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Calm\r\nBcc: x@evil.example", "a line break"),
        ("Calm\tHands", "a tab"),
        ("Calm \u202eHands", "an invisible control character (U+202E)"),
    ],
)
def test_an_old_name_with_a_control_character_is_cleaned_and_reported(
    tmp_path, database_path, name, words
):
    path = write_practice(tmp_path, "")
    app = make_app(database_path, PRACTICE_FILE=str(path), PRACTICE_NAME=name)
    html = page(app)
    assert "<span>Calm " in html and "\r" not in html and "\u202e" not in html
    lines, code = check_lines(app)
    assert code == 1
    [line] = practice_lines(lines)
    assert line.startswith(f"error: FLASK_PRACTICE_NAME has {words} in it: write")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name: "Calm\\nHands"\n', "key 'name' must be one line of ordinary"),
        ("phone: 5550100\n", "key 'phone' must be text (use quotes)"),
        ("currency: usd dollars\n", "key 'currency' must be a currency code"),
    ],
)
def test_start_up_refuses_a_bad_fact_naming_the_key(
    tmp_path, database_path, text, message
):
    path = write_practice(tmp_path, text)
    with pytest.raises(Exception) as raised:
        create_app(
            {
                "TESTING": True,
                "DATABASE": str(database_path),
                "PRACTICE_FILE": str(path),
            }
        )
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_the_shipped_file_shows_the_shipped_name_and_no_contact(client):
    html = client.get("/").get_data(as_text=True)
    assert '<p class="site-footer__name">Reach for Serenity</p>' in html
    assert "tel:" not in html
    assert "site-footer__address" not in html
    data = business(html)
    assert "telephone" not in data and "address" not in data
