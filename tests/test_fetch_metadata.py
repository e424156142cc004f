"""Only real reader navigations count: the browser's Fetch Metadata decides.

Another site can make its visitors' browsers request our pages (an ``<img>``,
an ``<iframe>``, a ``fetch``); such requests are answered as always but only
tallied, as "embedded or scripted". Requests without Fetch Metadata (old
browsers, curl) keep the other rules. The stored page is the one the server's
route names, never one a header claims.
"""

import pytest

from webapp.tracking.vocabulary import REASON_LABELS

from .conftest import OLD_PHONE, PHONE, visit
from .test_tracking import rows, tallies

EMBEDDED = "embedded"


def fetch(site, dest, mode, user=False):
    """The Fetch Metadata headers a browser sends."""
    headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Dest": dest, "Sec-Fetch-Mode": mode}
    if user:
        headers["Sec-Fetch-User"] = "?1"
    return headers


TYPED = fetch("none", "document", "navigate", user=True)
OWN_LINK = fetch("same-origin", "document", "navigate", user=True)
SHARED_LINK = fetch("cross-site", "document", "navigate", user=True)
SCRIPTED_NAVIGATION = fetch("cross-site", "document", "navigate")
IMG = fetch("cross-site", "image", "no-cors")
IFRAME = fetch("cross-site", "iframe", "navigate")
SAME_ORIGIN_IFRAME = fetch("same-origin", "iframe", "navigate")
SCRIPT = fetch("cross-site", "script", "no-cors")
NO_CORS_FETCH = fetch("cross-site", "empty", "no-cors")
LINK_PREFETCH = {**fetch("cross-site", "empty", "no-cors"), "Sec-Purpose": "prefetch"}
HTMX = {
    **fetch("same-origin", "empty", "cors"),
    "HX-Request": "true",
    "HX-Current-URL": "http://localhost/",
}


def test_the_new_reason_has_words_for_the_owner():
    assert REASON_LABELS[EMBEDDED] == "Embedded or scripted"


# --- Page views ------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        TYPED,
        OWN_LINK,
        SHARED_LINK,
        SCRIPTED_NAVIGATION,
        fetch("same-site", "document", "navigate"),
    ],
    ids=["typed", "own link", "shared link", "scripted navigation", "same site"],
)
def test_a_page_opened_in_the_tab_is_a_view(client, database_path, headers):
    response = visit(client, "/", headers=headers)
    assert response.status_code == 200
    assert [r["kind"] for r in rows(database_path)] == ["view"]
    assert tallies(database_path) == {}


@pytest.mark.parametrize(
    "headers",
    [IMG, IFRAME, SAME_ORIGIN_IFRAME, SCRIPT, NO_CORS_FETCH, LINK_PREFETCH],
    ids=["img", "iframe", "same-origin iframe", "script", "no-cors fetch", "prefetch"],
)
def test_an_embedded_or_scripted_page_is_answered_but_only_tallied(
    client, database_path, headers
):
    response = visit(client, "/", headers=headers)
    assert response.status_code == 200
    assert b"<!doctype html>" in response.data.lower()
    assert rows(database_path) == []
    assert tallies(database_path) == {(EMBEDDED, "view"): 1}


def test_htmx_restoring_a_page_from_history_is_a_view(client, database_path):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    visit(client, "/", headers=headers)
    assert [r["kind"] for r in rows(database_path)] == ["view"]
    # Another site cannot pass for one.
    headers = {**headers, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
    visit(client, "/", headers=headers)
    assert tallies(database_path) == {(EMBEDDED, "view"): 1}


# --- Booking clicks --------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        OWN_LINK,
        fetch("same-origin", "document", "navigate"),
        fetch("same-site", "document", "navigate"),
        TYPED,
        fetch("none", "document", "navigate"),
        SHARED_LINK,
    ],
    ids=[
        "own link",
        "own page without gesture",
        "same site",
        "typed",
        "bookmark",
        "link shared elsewhere",
    ],
)
def test_a_readers_navigation_to_book_is_a_click(client, database_path, headers):
    response = visit(client, "/book?from=header", headers=headers)
    assert response.status_code == 302
    assert [(r["kind"], r["placement"]) for r in rows(database_path)] == [
        ("click", "header")
    ]
    assert tallies(database_path) == {}


@pytest.mark.parametrize(
    "headers",
    [
        SCRIPTED_NAVIGATION,
        IMG,
        IFRAME,
        SAME_ORIGIN_IFRAME,
        SCRIPT,
        NO_CORS_FETCH,
        LINK_PREFETCH,
        fetch("same-origin", "empty", "cors"),
    ],
    ids=[
        "navigation without gesture",
        "img",
        "iframe",
        "same-origin iframe",
        "script",
        "no-cors fetch",
        "prefetch",
        "same-origin fetch",
    ],
)
def test_an_embedded_or_scripted_click_still_redirects_but_is_only_tallied(
    app, client, database_path, headers
):
    response = visit(client, "/book?from=chooser-medical", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == app.config["BOOKING_URL"]
    assert rows(database_path) == []
    assert tallies(database_path) == {(EMBEDDED, "click"): 1}


# --- Widget uses ------------------------------------------------------------------


def test_htmx_widget_uses_from_our_page_count(client, database_path):
    response = visit(client, "/widgets/compare/training", headers=HTMX)
    assert response.status_code == 200
    (use,) = rows(database_path)
    assert (use["kind"], use["widget"], use["detail"]) == (
        "widget",
        "aspect",
        "training",
    )
    assert use["page"] == "/"


@pytest.mark.parametrize(
    "headers",
    [
        {**HTMX, "Sec-Fetch-Site": "cross-site"},
        {**HTMX, "Sec-Fetch-Site": "same-site"},
        {**HTMX, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    ],
    ids=["cross-site cors", "same-site", "cross-site no-cors"],
)
def test_widget_uses_from_other_sites_are_only_tallied(client, database_path, headers):
    response = visit(client, "/widgets/compare/training", headers=headers)
    assert response.status_code == 200
    assert rows(database_path) == []
    assert tallies(database_path) == {(EMBEDDED, "widget"): 1}


def test_a_full_page_widget_state_from_our_own_link_counts(client, database_path):
    headers = {**OWN_LINK, "Referer": "http://localhost/"}
    visit(client, "/?aspect=training", headers=headers)
    assert [(r["kind"], r["widget"]) for r in rows(database_path)] == [
        ("view", ""),
        ("widget", "aspect"),
    ]


@pytest.mark.parametrize(
    "headers",
    [IMG, IFRAME, SCRIPT, NO_CORS_FETCH],
    ids=["img", "iframe", "script", "fetch"],
)
def test_an_embedded_widget_state_counts_nothing(client, database_path, headers):
    response = visit(client, "/?aspect=training", headers=headers)
    assert response.status_code == 200
    assert rows(database_path) == []
    assert tallies(database_path) == {(EMBEDDED, "view"): 1, (EMBEDDED, "widget"): 1}


@pytest.mark.parametrize("headers", [SHARED_LINK, TYPED], ids=["shared link", "typed"])
def test_landing_on_a_shared_widget_state_is_a_view_not_a_use(
    client, database_path, headers
):
    visit(client, "/?aspect=training", headers=headers)
    assert [r["kind"] for r in rows(database_path)] == ["view"]
    assert tallies(database_path) == {}


def test_the_chooser_counts_only_posts_from_our_page(client, database_path):
    given = {"reason": "stress", "referral": "no", "goal": "relax"}
    given |= {"today": "none", "health": "none", "mention": "none"}
    form = {**fetch("cross-site", "document", "navigate", user=True)}
    response = visit(client, "/", method="post", data=given, headers=form)
    assert response.status_code == 200
    htmx = {**HTMX, "Sec-Fetch-Site": "cross-site"}
    visit(client, "/widgets/chooser", method="post", data=given, headers=htmx)
    assert rows(database_path) == []
    assert tallies(database_path) == {(EMBEDDED, "widget"): 2}
    visit(client, "/widgets/chooser", method="post", data=given, headers=HTMX)
    assert [(r["widget"], r["detail"]) for r in rows(database_path)] == [
        ("chooser", "therapeutic")
    ]


# --- Old browsers and scripts: today's rules ---------------------------------------


def old_browser(client, path, **kwargs):
    """Request ``path`` as Safari 15 does: a real browser without Fetch Metadata."""
    return visit(client, path, agent=OLD_PHONE, metadata=None, **kwargs)


def test_requests_without_fetch_metadata_keep_todays_rules(client, database_path):
    assert old_browser(client, "/").status_code == 200
    assert old_browser(client, "/book?from=header").status_code == 302
    headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}
    old_browser(client, "/widgets/compare/training", headers=headers)
    old_browser(client, "/?aspect=purpose", headers={"Referer": "http://localhost/"})
    kinds = [r["kind"] for r in rows(database_path)]
    assert kinds == ["view", "click", "widget", "view", "widget"]
    assert tallies(database_path) == {}


def test_an_old_browsers_post_from_another_site_is_tallied(client, database_path):
    given = {"reason": "stress", "referral": "no", "goal": "relax"}
    given |= {"today": "none", "health": "none", "mention": "none"}
    headers = {"Origin": "https://stuffing.example"}
    old_browser(client, "/", method="post", data=given, headers=headers)
    assert rows(database_path) == []
    assert tallies(database_path) == {(EMBEDDED, "widget"): 1}


# --- The stored page comes from the route --------------------------------------------


def agent_sending(metadata):
    """A browser that sends ``metadata`` (an old one when it is None)."""
    return OLD_PHONE if metadata is None else PHONE


@pytest.mark.parametrize("metadata", [None, OWN_LINK], ids=["old browser", "browser"])
def test_a_forged_hx_current_url_does_not_name_the_page(
    client, database_path, metadata
):
    forged = {"HX-Current-URL": "http://localhost/forged-page?utm_source=x"}
    visit(client, "/", agent=agent_sending(metadata), metadata=metadata, headers=forged)
    fragment = {**HTMX, "HX-Current-URL": "http://localhost/another-forged-page"}
    visit(client, "/widgets/compare/training", headers=fragment)
    assert [r["page"] for r in rows(database_path)] == ["/", "/"]


@pytest.mark.parametrize("metadata", [None, OWN_LINK], ids=["old browser", "browser"])
def test_a_forged_referer_does_not_name_the_clicks_page(
    client, database_path, metadata
):
    headers = {"Referer": "http://localhost/forged-page"}
    agent = agent_sending(metadata)
    visit(client, "/book?from=footer", agent, metadata=metadata, headers=headers)
    visit(client, "/book?from=made-up", agent, metadata=metadata, headers=headers)
    clicks = rows(database_path)
    assert [(c["placement"], c["page"]) for c in clicks] == [
        ("footer", "/"),
        ("unknown", ""),
    ]
