"""The practice under the title, its sessions after the comparison, one booking label.

Issue 30: a reader meets who, where and from what price right under the
title, with a button; the sessions and prices follow the comparison; and
every generic booking button says the owner's one ``book_label``.
"""

import html as html_lib
import re

import pytest
import yaml

from webapp import create_app
from webapp.site.article import ARTICLE_FILE
from webapp.site.widget_content import WIDGETS_FILE

from .conftest import make_app
from .practice_data import FILLED_PRACTICE, filled_practice_app, write_practice

FULL_BYLINE = "By Jordan Lee, LMT · 12 years · Springfield · sessions from $90"
PHOTO_ALT = "Jordan Lee in the treatment room"
# A booking button: its placement and its words.
BUTTON = re.compile(
    r'<a class="button[^"]*" href="([^"]+)"[^>]*data-placement="([^"]+)">([^<]*)</a>'
)
# The chooser's suggestions keep their own words ("Book once your provider agrees").
OWN_WORDS = ("chooser-",)


def page(app, path="/"):
    """The page's HTML."""
    response = app.test_client().get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def practice_app(tmp_path, database_path, data, **config):
    """The app with ``data`` (a dict) as its practice.yaml."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path = write_practice(tmp_path, text)
    return make_app(database_path, PRACTICE_FILE=str(path), **config)


def filled_data():
    """The filled-in practice as a dict, to take keys out of."""
    return yaml.safe_load(FILLED_PRACTICE)


def byline(html):
    """The byline's element, or None."""
    match = re.search(r'<div class="practice-byline">.*?</div>', html, re.DOTALL)
    return match.group(0) if match else None


def byline_words(html):
    """The byline's line of words as a reader reads it, or None."""
    match = re.search(r'<p class="practice-byline__text">(.*?)</p>', html, re.DOTALL)
    return html_lib.unescape(match.group(1)) if match else None


def buttons(html):
    """Every booking button as (placement, href, words)."""
    return [
        (placement, html_lib.unescape(href), html_lib.unescape(words))
        for href, placement, words in BUTTON.findall(html)
    ]


# --- The byline ---------------------------------------------------------------


def test_the_byline_says_who_where_and_from_what_price(tmp_path):
    html = page(filled_practice_app(tmp_path / "filled"))
    assert byline_words(html) == FULL_BYLINE
    # Under the title, before the date and the reading time, which stay.
    title = html.index('<h1 id="article-title">')
    assert title < html.index('<div class="practice-byline">') < html.index("min read")
    assert '<time datetime="2025-03-18">March 18, 2025</time>' in html


def test_the_byline_photo_has_its_size_and_words(tmp_path):
    element = byline(page(filled_practice_app(tmp_path / "filled")))
    photo = re.search(r"<img [^>]*>", element).group(0)
    assert 'src="/static/og-image.png' in photo
    assert f'alt="{PHOTO_ALT}"' in photo
    # Width and height given: nothing moves once the photo arrives.
    assert re.search(r'width="\d+"', photo)
    assert re.search(r'height="\d+"', photo)


def test_the_byline_button_books_from_the_byline(tmp_path):
    element = byline(page(filled_practice_app(tmp_path / "filled")))
    assert buttons(element) == [("byline", "/book?from=byline", "Book a session")]


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        (("therapist", "name"), "LMT · 12 years · Springfield · sessions from $90"),
        (
            ("therapist", "license_type"),
            "By Jordan Lee · 12 years · Springfield · sessions from $90",
        ),
        (
            ("therapist", "years_in_practice"),
            "By Jordan Lee, LMT · Springfield · sessions from $90",
        ),
        (("city",), "By Jordan Lee, LMT · 12 years · sessions from $90"),
        (("services",), "By Jordan Lee, LMT · 12 years · Springfield"),
    ],
    ids=["name", "license", "years", "town", "prices"],
)
def test_a_field_left_empty_leaves_its_part_out(
    tmp_path, database_path, remove, expected
):
    data = filled_data()
    *parents, key = remove
    block = data
    for parent in parents:
        block = block[parent]
    del block[key]
    html = page(practice_app(tmp_path, database_path, data))
    assert byline_words(html) == expected
    assert "None" not in byline(html)


def test_one_year_is_one_year(tmp_path, database_path):
    data = filled_data()
    data["therapist"]["years_in_practice"] = 1
    html = page(practice_app(tmp_path, database_path, data))
    assert " · 1 year · " in byline_words(html)


def test_sessions_without_prices_leave_the_price_out(tmp_path, database_path):
    data = filled_data()
    for service in data["services"]:
        del service["price"]
    html = page(practice_app(tmp_path, database_path, data))
    assert byline_words(html) == "By Jordan Lee, LMT · 12 years · Springfield"


def test_a_photo_alone_has_no_line_of_words(tmp_path, database_path):
    data = {"therapist": {"photo": "og-image.png", "photo_alt": PHOTO_ALT}}
    html = page(practice_app(tmp_path, database_path, data))
    assert byline_words(html) is None
    assert f'alt="{PHOTO_ALT}"' in byline(html)
    assert buttons(byline(html))[0][0] == "byline"


def test_with_none_of_its_fields_there_is_no_byline(tmp_path, database_path):
    data = {"policies": {"cancellation": "A day's notice."}, "phone": "+1 555 0100"}
    html = page(practice_app(tmp_path, database_path, data))
    assert byline(html) is None
    assert 'data-placement="byline"' not in html


def test_without_details_the_article_is_as_before(client):
    html = client.get("/").get_data(as_text=True)
    assert byline(html) is None
    assert "practice-byline" not in html
    assert 'id="sessions"' not in html
    assert "Sessions and prices" not in html
    # The comparison keeps its own line and button.
    placements = {placement for placement, _, _ in buttons(html)}
    assert {"header", "after-comparison", "article-end", "footer"} <= placements
    assert not placements & {"byline", "sessions"}
    assert "Know which one suits you?" in html
    hero = html[html.index('<header class="article__hero">') :]
    hero = hero[: hero.index("</header>")]
    assert re.findall(r"<(h1|p|div|img)\b", hero) == ["p", "h1", "p"]


# --- Sessions and prices, after the comparison ------------------------------------


def section(html, element_id):
    """The section with ``element_id``, whole."""
    start = html.index(f'id="{element_id}"')
    start = html.rindex("<section", 0, start)
    return html[start : html.index("</section>", start) + len("</section>")]


def test_the_sessions_follow_the_comparison_with_their_own_button(tmp_path):
    html = page(filled_practice_app(tmp_path / "filled"))
    comparison = section(html, "compare")
    sessions = section(html, "sessions")
    # Right after the comparison: nothing but white space between them.
    between = html[html.index(comparison) + len(comparison) : html.index(sessions)]
    assert between.strip() == ""
    assert '<h2 id="sessions-title">Sessions and prices</h2>' in sessions
    for text in (
        "Therapeutic massage",
        "60 minutes, $90",
        "90 minutes, $132.50",
        "Full body, at the pressure you choose.",
    ):
        assert text in sessions, text
    assert buttons(sessions) == [("sessions", "/book?from=sessions", "Book a session")]
    # One button there, not two a screen apart: the comparison's gives way.
    assert buttons(comparison) == []
    assert "Know which one suits you?" in sessions
    assert "Sessions and prices" not in section(html, "practice-title")


def test_sessions_alone_make_no_before_you_book(tmp_path, database_path):
    data = {"services": [{"name": "Swedish", "minutes": 60, "price": 80}]}
    html = page(practice_app(tmp_path, database_path, data))
    assert "60 minutes, $80" in section(html, "sessions")
    assert "Before you book" not in html
    assert byline_words(html) == "sessions from $80"


# --- One label ----------------------------------------------------------------------


def generic_buttons(html):
    """The booking buttons that say the practice's one label (not the chooser's)."""
    return [b for b in buttons(html) if not b[0].startswith(OWN_WORDS)]


def test_every_booking_button_says_the_one_label(tmp_path):
    app = filled_practice_app(tmp_path / "filled")
    html = page(app, "/?technique=swedish")
    found = generic_buttons(html)
    placements = {placement for placement, _, _ in found}
    assert placements == {
        "header",
        "byline",
        "sessions",
        "technique",
        "article-end",
        "bottom-bar",
        "footer",
    }
    for placement, href, words in found:
        assert href.startswith(f"/book?from={placement}")
        if placement == "bottom-bar":
            assert words == "Book a session · from $90"
        else:
            assert words == "Book a session", placement


def test_a_changed_label_changes_every_button(tmp_path, database_path):
    data = filled_data()
    data["book_label"] = "Reserve <your> massage"
    app = practice_app(tmp_path, database_path, data)
    fragment = app.test_client().get(
        "/widgets/techniques/swedish", headers={"HX-Request": "true"}
    )
    pages = [page(app, "/?technique=swedish"), fragment.get_data(as_text=True)]
    del data["services"]  # the comparison's own button comes back
    pages.append(page(practice_app(tmp_path, database_path, data)))
    found = [button for html in pages for button in generic_buttons(html)]
    assert {placement for placement, _, _ in found} >= {
        "header",
        "byline",
        "sessions",
        "after-comparison",
        "technique",
        "article-end",
        "bottom-bar",
        "footer",
    }
    for placement, _, words in found:
        assert words.startswith("Reserve <your> massage"), placement
    assert "Book a session" not in "".join(pages)
    assert "<your>" not in "".join(pages)  # the owner's words are text


# --- Older content folders still load ---------------------------------------


def test_an_older_content_folder_still_loads(tmp_path, database_path):
    widgets = yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))
    widgets["comparison"]["book_label"] = "Book with the comparison"
    widgets["techniques"]["book_label"] = "Book with a technique"
    widgets_file = tmp_path / "widgets.yaml"
    widgets_file.write_text(yaml.safe_dump(widgets, allow_unicode=True), "utf-8")
    article = ARTICLE_FILE.read_text(encoding="utf-8")
    article = article.replace("\npublished:", "\ncta: BOOK TODAY\npublished:", 1)
    article_file = tmp_path / "article.md"
    article_file.write_text(article, encoding="utf-8")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "WIDGETS_FILE": str(widgets_file),
            "ARTICLE_FILE": str(article_file),
        }
    )
    html = page(app, "/?technique=swedish")
    # The old words lead the way at the end; every button says the one label.
    assert '<p class="cta__lead">BOOK TODAY</p>' in html
    assert "Book with the comparison" not in html
    assert "Book with a technique" not in html
    assert {words for _, _, words in generic_buttons(html)} == {"Book a session"}


def test_the_shipped_files_no_longer_name_a_widget_button(tmp_path):
    assert "cta:" not in ARTICLE_FILE.read_text(encoding="utf-8").split("---")[1]
    widgets = yaml.safe_load(WIDGETS_FILE.read_text(encoding="utf-8"))
    assert "book_label" not in widgets["comparison"]
    assert "book_label" not in widgets["techniques"]
