"""The widgets' full pages and htmx fragments, with and without HX-Request."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp import create_app
from webapp.core.db import connect
from webapp.site.chooser_content import NONE_ANSWER
from webapp.site.placements import PLACEMENTS
from webapp.site.widget_content import load_widgets

from .conftest import MALFORMED_URLS, visit
from .practice_data import write_practice

WIDGETS = load_widgets()
ASPECTS = [aspect.id for aspect in WIDGETS.comparison.aspects]
TECHNIQUES = [technique.id for technique in WIDGETS.techniques.items]
HTMX = {"HX-Request": "true"}
# What a reader would have answered, were the chooser still a GET form: a
# page address with answers in it shows no suggestion (answers come by POST).
OLD_STYLE_ANSWERS = "reason=problem&referral=yes&recent=no&health=none&goal=relief"
# A complete POSTed answer set that suggests medical massage: nothing checked.
MEDICAL_ANSWERS = {
    "reason": "problem",
    "referral": "yes",
    "goal": "relief",
    **{q.id: NONE_ANSWER for q in WIDGETS.chooser.questions if q.multiple},
}


def htmx(current="http://localhost/", **headers):
    """The headers htmx sends from the page at ``current``."""
    return {"HX-Request": "true", "HX-Current-URL": current, **headers}


def text(response):
    """The response's visible words, tags removed and spaces folded."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def is_full_page(response):
    return response.get_data(as_text=True).lstrip().lower().startswith("<!doctype html")


def query(url):
    """A URL's query as a plain dict (one value per key)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def events(client, path, **kwargs):
    """One request, a reader's from our own page, and the widget uses it stored."""
    before = stored_uses(client.application)
    response = visit(client, path, **kwargs)
    return response, stored_uses(client.application)[len(before) :]


def stored_uses(app):
    """Every widget use stored so far, as (widget, detail)."""
    db = connect(app.config["DATABASE"])
    try:
        sql = "SELECT widget, detail FROM events WHERE kind = 'widget' ORDER BY id"
        return [(row["widget"], row["detail"]) for row in db.query(sql)]
    finally:
        db.conn.close()


# --- The full page -------------------------------------------------------------


def test_plain_page_shows_every_widget_in_its_default_state(client):
    response, noted = events(client, "/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = text(response)
    assert WIDGETS.comparison.title in words
    assert WIDGETS.comparison.aspects[0].medical[0] in words
    assert WIDGETS.techniques.empty in words
    assert WIDGETS.chooser.questions[0].label in words
    assert re.search(r'id="aspect-purpose"\s+href="/\?aspect=purpose#compare"', html)
    assert "checked" not in html
    # A plain visit is not a widget use.
    assert noted == []


@pytest.mark.parametrize("aspect", ASPECTS)
def test_each_aspect_has_a_full_page(client, aspect):
    response = client.get(f"/?aspect={aspect}")
    assert response.status_code == 200
    chosen = WIDGETS.comparison.get(aspect)
    words = text(response)
    assert chosen.medical[0] in words and chosen.therapeutic[0] in words
    html = response.get_data(as_text=True)
    current = re.findall(r'id="aspect-([a-z-]+)"[^>]*aria-current="true"', html, re.S)
    assert current == [aspect]


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_each_technique_has_a_full_page(client, technique):
    response = client.get(f"/?technique={technique}")
    assert response.status_code == 200
    chosen = WIDGETS.techniques.get(technique)
    words = text(response)
    for part in (chosen.what_it_is, chosen.feels_like, chosen.suits, chosen.ask_first):
        assert part in words
    assert 'href="/book?from=technique"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/?aspect=massage", "/?technique=reiki"])
def test_unknown_aspect_or_technique_is_a_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert is_full_page(response)
    assert "We could not find that page" in text(response)


def test_a_full_page_url_is_a_full_page_even_for_htmx(client):
    for headers in (HTMX, {"HX-History-Restore-Request": "true"}):
        response = client.get("/?aspect=training", headers=headers)
        assert response.status_code == 200
        assert is_full_page(response)
        assert "HX-Request" in response.headers["Vary"]


def test_widgets_sit_after_the_sections_they_belong_to(client):
    html = client.get("/").get_data(as_text=True)
    order = [
        html.index('id="key-differences-between-medical-and-therapeutic-massage"'),
        html.index('id="compare"'),
        html.index('id="techniques"'),
        html.index('id="which-one-is-right-for-you"'),
        html.index('id="chooser"'),
    ]
    assert order == sorted(order)


def test_links_keep_the_other_widgets_state(client):
    html = client.get("/?aspect=training&technique=swedish&utm_source=news").get_data(
        as_text=True
    )
    link = re.search(r'id="aspect-approach"\s+href="([^"]+)"', html).group(1)
    assert link.endswith("#compare")
    assert query(unescape(link)) == {
        "aspect": "approach",
        "technique": "swedish",
        "utm_source": "news",
    }
    link = re.search(r'id="technique-hot-stone"\s+href="([^"]+)"', html).group(1)
    assert query(unescape(link))["aspect"] == "training"
    assert query(unescape(link))["technique"] == "hot-stone"
    # The chooser form posts to the page in the same state (no hidden fields:
    # its own answers travel in the body).
    action = re.search(r'id="chooser-form" method="post"\s+action="([^"]+)"', html)
    assert unescape(action.group(1)).endswith("#chooser-result")
    assert query(unescape(action.group(1))) == {
        "aspect": "training",
        "technique": "swedish",
        "utm_source": "news",
    }
    assert 'type="hidden"' not in html


def test_every_widget_booking_button_has_a_known_placement(client):
    placements = set()
    for path in ("/", "/?technique=swedish"):
        html = client.get(path).get_data(as_text=True)
        placements |= set(re.findall(r'data-placement="([^"]+)"', html))
        for href in re.findall(r'href="(/book\?[^"]+)"', html):
            assert query(unescape(href))["from"] in PLACEMENTS
    assert {"after-comparison", "technique"} <= placements


# --- The htmx fragments --------------------------------------------------------


@pytest.mark.parametrize("aspect", ASPECTS)
def test_aspect_fragment_for_htmx(client, aspect):
    response = client.get(f"/widgets/compare/{aspect}", headers=htmx())
    assert response.status_code == 200
    assert not is_full_page(response)
    html = response.get_data(as_text=True)
    assert "<header" not in html and "<form" not in html
    assert WIDGETS.comparison.get(aspect).medical[0] in text(response)
    assert response.headers["HX-Push-Url"] == f"/?aspect={aspect}#compare"
    assert "HX-Request" in response.headers["Vary"]
    assert response.cache_control.private and response.cache_control.no_store
    # The live region that is already on the page gets the news.
    label = WIDGETS.comparison.get(aspect).label
    assert re.search(
        r'<p [^>]*id="compare-status"[^>]*data-hx-swap-oob="innerHTML">Now comparing: '
        + re.escape(label),
        html,
    )


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_technique_fragment_for_htmx(client, technique):
    response = client.get(f"/widgets/techniques/{technique}", headers=htmx())
    assert response.status_code == 200
    assert not is_full_page(response)
    assert WIDGETS.techniques.get(technique).ask_first in text(response)
    assert (
        response.headers["HX-Push-Url"] == f"/?technique={technique}#technique-detail"
    )
    assert 'href="/book?from=technique"' in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


@pytest.fixture
def offers_client(tmp_path, database_path):
    """A client for a practice that lists only Swedish and deep tissue massage."""
    path = write_practice(tmp_path, "offers:\n  - swedish\n  - deep-tissue\n")
    app = create_app(
        {"TESTING": True, "DATABASE": str(database_path), "PRACTICE_FILE": str(path)}
    )
    return app.test_client()


@pytest.mark.parametrize("htmx_request", [False, True])
def test_techniques_not_offered_say_ask_and_have_no_booking_button(
    offers_client, htmx_request
):
    for technique in TECHNIQUES:
        if htmx_request:
            path, headers = f"/widgets/techniques/{technique}", htmx()
        else:
            path, headers = f"/?technique={technique}", {}
        response = offers_client.get(path, headers=headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        offered = technique in ("swedish", "deep-tissue")
        assert ('href="/book?from=technique"' in html) is offered, technique
        assert (WIDGETS.techniques.not_offered in text(response)) is not offered


def test_without_offers_no_technique_says_ask(client):
    for technique in TECHNIQUES:
        response = client.get(f"/widgets/techniques/{technique}", headers=htmx())
        assert WIDGETS.techniques.not_offered not in text(response)


def test_fragment_keeps_the_other_widgets_state_from_the_readers_page(client):
    page = f"http://localhost/?technique=swedish&{OLD_STYLE_ANSWERS}&utm_source=news"
    response = client.get("/widgets/compare/training", headers=htmx(page))
    # Answers in the page's address (an old link) are dropped, never passed on.
    assert query(response.headers["HX-Push-Url"]) == {
        "aspect": "training",
        "technique": "swedish",
        "utm_source": "news",
    }
    # The chooser's answer keeps the page's state in its form, and its
    # booking button keeps the visit's campaign.
    response = client.post("/widgets/chooser", data=MEDICAL_ANSWERS, headers=htmx(page))
    html = unescape(response.get_data(as_text=True))
    assert 'action="/?technique=swedish&utm_source=news#chooser-result"' in html
    assert "/book?from=chooser-medical&utm_source=news" in html


def test_fragment_drops_bad_state_from_the_readers_page(client):
    page = "http://localhost/?technique=reiki&aspect=<x>&reason=problem"
    response = client.get("/widgets/compare/training", headers=htmx(page))
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/?aspect=training#compare"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/widgets/compare/training", "/?aspect=training#compare"),
        ("/widgets/techniques/swedish", "/?technique=swedish#technique-detail"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [{}, {"HX-Request": "true", "HX-Boosted": "true"}],
    ids=["plain", "boosted"],
)
def test_fragment_url_without_htmx_leads_to_the_full_page(
    client, path, location, headers
):
    response = client.get(path, headers=headers)
    assert response.status_code == 302
    assert query(response.headers["Location"]) == query(location)
    assert response.headers["Location"].endswith(location.split("#")[1])
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "path", ["/widgets/compare/massage", "/widgets/techniques/reiki"]
)
def test_unknown_aspect_or_technique_is_a_small_error_fragment_for_htmx(client, path):
    response = client.get(path, headers=htmx())
    assert response.status_code == 404
    assert not is_full_page(response)
    assert "We could not find that page" in text(response)
    assert "HX-Request" in response.headers["Vary"]
    assert "HX-Push-Url" not in response.headers
    # Without htmx it is the full 404 page.
    response = client.get(path)
    assert response.status_code == 404 and is_full_page(response)


def test_page_and_fragment_share_one_partial(client):
    fragment = client.get("/widgets/compare/training", headers=htmx())
    panel = fragment.get_data(as_text=True).split('<p class="visually-hidden"')[0]
    page = client.get("/?aspect=training").get_data(as_text=True)
    assert panel.strip() in page
    fragment = client.get("/widgets/techniques/swedish", headers=htmx())
    detail = fragment.get_data(as_text=True).split('<p class="visually-hidden"')[0]
    page = client.get("/?technique=swedish").get_data(as_text=True)
    assert detail.strip() in page


@pytest.mark.parametrize(
    "path",
    [
        "/?aspect=%00",
        "/?aspect=" + "a" * 5000,
        "/?technique=%ff%fe",
        "/?aspect=training&aspect=approach",
        "/?reason=%00&referral=%ff",
        "/?reason=problem&reason=stress&referral=yes&recent=no&goal=relax",
        "/widgets/compare/%00",
        "/widgets/compare/" + "x" * 3000,
        "/widgets/techniques/..%2f..%2fetc",
        "/widgets/chooser?reason[]=x&goal=%0d%0a",
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_malformed_widget_requests_never_give_a_500(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code < 500
    assert b"Traceback" not in response.data


@pytest.mark.parametrize(
    "current",
    [*MALFORMED_URLS, "not a url", "http://localhost/?%ff=%fe&aspect=%00", "x" * 9000],
)
def test_malformed_current_url_header_never_gives_a_500(client, current):
    response = client.get("/widgets/compare/training", headers=htmx(current))
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/?aspect=training#compare"


# --- What the click log is told ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "noted"),
    [
        ("/widgets/compare/training", [("aspect", "training")]),
        ("/widgets/techniques/deep-tissue", [("technique", "deep-tissue")]),
        ("/widgets/compare/massage", []),
    ],
)
def test_fragments_note_widget_uses(client, path, noted):
    assert events(client, path, headers=htmx())[1] == noted


def test_full_pages_note_only_what_changed_since_the_readers_last_page(client):
    base = "http://localhost"
    # A shared link: everything it shows was chosen.
    assert events(client, f"/?aspect=training&{OLD_STYLE_ANSWERS}")[1] == [
        ("aspect", "training"),
    ]
    # JavaScript off, one widget at a time: the Referer is the previous state.
    headers = {"Referer": f"{base}/?aspect=training"}
    assert events(client, "/?aspect=training&technique=swedish", headers=headers)[
        1
    ] == [("technique", "swedish")]
    # Another site's link with the same query is a first visit.
    headers = {"Referer": "https://elsewhere.example/?aspect=training"}
    assert events(client, "/?aspect=training", headers=headers)[1] == [
        ("aspect", "training")
    ]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),
        ("/?aspect=training", {"HX-History-Restore-Request": "true"}),
        ("/?aspect=massage", {}),
        ("/?reason=problem", {}),
        (f"/?{OLD_STYLE_ANSWERS}", {}),
        ("/?utm_source=news", {}),
    ],
)
def test_pages_that_are_not_widget_uses_note_nothing(client, path, headers):
    assert events(client, path, headers=headers)[1] == []
