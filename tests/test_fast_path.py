"""The reader's fast path (webapp/site/fast_path.py): the same answers, counted alike.

A reader's plain ``GET /`` and ``GET /book`` are answered from the kept
answer of the first such request, without Flask's dispatch. Each test here
asks Flask first and then the fast path, and compares: what the reader gets
(status, every header, body) and what the owner's numbers get.
"""

import pytest

from webapp import create_app
from webapp.core.db import connect
from webapp.site.fast_path import ReaderFastPath

from .conftest import DESKTOP, GOOGLEBOT, OLD_PHONE, PHONE, WHATSAPP, visit


class DispatchCounter:
    """Counts the requests that reach Flask's own dispatch (inside the fast path)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.wsgi_app(environ, start_response)


def fast_path_of(app):
    """The app's fast path, with a counter on what it passes to Flask."""
    layer = app.wsgi_app
    while not isinstance(layer, ReaderFastPath):
        layer = layer.app  # ProxyFix keeps the app it wraps as .app
    layer.wsgi_app = DispatchCounter(layer.wsgi_app)
    return layer


@pytest.fixture
def fast(app):
    """The test app's fast path, counting what reaches Flask."""
    return fast_path_of(app)


def rows(database_path, sql):
    """Rows of a query on the test database."""
    db = connect(str(database_path))
    try:
        return db.execute(sql).fetchall()
    finally:
        db.conn.close()


def answer(response):
    """What the reader gets: status, headers in order, body."""
    return response.status, list(response.headers.items()), response.get_data()


@pytest.mark.parametrize("path", ["/", "/book?from=header"])
def test_the_second_plain_request_gets_the_first_ones_answer_without_flask(
    client, fast, path
):
    first = visit(client, path)
    assert fast.wsgi_app.calls == 1
    second = visit(client, path)
    assert fast.wsgi_app.calls == 1, "the second plain request reached Flask"
    assert answer(second) == answer(first)
    assert second.status_code in (200, 302)
    assert "Content-Security-Policy" in second.headers


def test_views_and_clicks_from_the_fast_path_are_stored_like_flasks(
    client, fast, database_path
):
    referrer = {"Referer": "https://www.instagram.com/"}
    for _ in range(2):  # Flask, then the fast path
        visit(client, "/", headers=referrer)
        visit(client, "/book?from=article-end")
    assert fast.wsgi_app.calls == 2
    stored = rows(
        database_path,
        "SELECT kind, page, placement, referrer_host, device, browser, visitor, "
        "repeat FROM events ORDER BY id",
    )
    flask_view, flask_click, fast_view, fast_click = stored
    assert fast_view == flask_view
    # The same reader clicking again within 30 minutes: a repeat.
    assert fast_click[:-1] == flask_click[:-1]
    assert (flask_click[-1], fast_click[-1]) == (0, 1)
    assert fast_view[:6] == (
        "view",
        "/",
        "",
        "www.instagram.com",
        "mobile",
        "Mobile Safari",
    )
    # The click takes the landing's referrer, on the fast path too.
    assert fast_click[:4] == ("click", "/", "article-end", "www.instagram.com")


def test_an_unknown_placement_on_the_fast_path_is_stored_as_unknown_with_no_page(
    client, fast, database_path
):
    visit(client, "/book?from=header")
    visit(client, "/book?from=%3Cscript%3E")
    visit(client, "/book")
    assert fast.wsgi_app.calls == 1
    assert rows(database_path, "SELECT placement, page FROM events ORDER BY id") == [
        ("header", "/"),
        ("unknown", ""),
        ("unknown", ""),
    ]


@pytest.mark.parametrize(
    ("agent", "headers", "reason"),
    [
        (GOOGLEBOT, {}, "bot"),
        (WHATSAPP, {}, "shared"),
        (PHONE, {"Sec-Purpose": "prefetch"}, "prefetch"),
        (
            PHONE,
            {"Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "cross-site"},
            "embedded",
        ),
        (DESKTOP, {"Sec-Fetch-Site": None, "Sec-Fetch-Mode": None}, "posing"),
    ],
)
def test_the_fast_path_does_not_count_what_flask_would_not(
    client, fast, database_path, agent, headers, reason
):
    visit(client, "/")  # a reader: the article's answer is now kept
    visit(client, "/book?from=header")
    calls = fast.wsgi_app.calls
    metadata = {"Sec-Fetch-Dest": None} if reason == "posing" else {}
    visit(client, "/", agent=agent, headers={**headers, **metadata})
    visit(client, "/book?from=header", agent=agent, headers={**headers, **metadata})
    assert fast.wsgi_app.calls == calls, "the fast path passed them to Flask"
    assert rows(database_path, "SELECT count(*) FROM events") == [(2,)]
    assert rows(
        database_path, "SELECT reason, kind, events FROM filtered_daily ORDER BY kind"
    ) == [(reason, "click", 1), (reason, "view", 1)]


def test_an_old_browser_without_fetch_metadata_is_still_counted(
    client, fast, database_path
):
    visit(client, "/")
    visit(client, "/", agent=OLD_PHONE, metadata=None)
    assert fast.wsgi_app.calls == 1
    assert rows(database_path, "SELECT count(*) FROM events WHERE kind='view'") == [
        (2,)
    ]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/?aspect=goals", {}),  # the widgets' state: Flask counts its uses
        ("/?technique=swedish&utm_source=newsletter", {}),
        ("/", {"HX-Request": "true"}),
        ("/", {"HX-History-Restore-Request": "true"}),
        ("/", {"Transfer-Encoding": "chunked"}),
    ],
)
def test_anything_but_a_plain_request_goes_to_flask(client, fast, path, headers):
    visit(client, "/")
    visit(client, "/book?from=header")
    calls = fast.wsgi_app.calls
    visit(client, path, headers=headers)
    assert fast.wsgi_app.calls == calls + 1


@pytest.mark.parametrize("path", ["/", "/book?from=header"])
def test_a_request_with_any_cookie_goes_to_flask(client, fast, path):
    visit(client, path)
    client.set_cookie("anything", "at all")
    visit(client, path)
    assert fast.wsgi_app.calls == 2


def test_head_and_post_go_to_flask(client, fast):
    visit(client, "/")
    calls = fast.wsgi_app.calls
    visit(client, "/", method="head")
    visit(client, "/", method="post", data={"goal": "relax"})
    assert fast.wsgi_app.calls == calls + 2


def test_the_owners_views_are_never_counted_on_either_path(owner_client, database_path):
    fast = fast_path_of(owner_client.application)
    for _ in range(2):
        visit(owner_client, "/")
        visit(owner_client, "/book?from=header")
    assert fast.wsgi_app.calls >= 4, "the owner's cookie must take Flask's path"
    assert rows(database_path, "SELECT count(*) FROM events") == [(0,)]
    assert rows(
        database_path, "SELECT reason, sum(events) FROM filtered_daily GROUP BY reason"
    ) == [("owner", 4)]


def app_with(database_path, **settings):
    """The test app with some settings of its own."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE": str(database_path),
            **settings,
        }
    )


def test_answers_are_kept_per_host_and_scheme(database_path):
    app = app_with(database_path, PROXY_COUNT=1)
    fast = fast_path_of(app)
    client = app.test_client()
    secure = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    plain = visit(client, "/")
    over_https = visit(client, "/", headers=secure)
    other_host = visit(client, "/", base_url="http://massage.test")
    assert fast.wsgi_app.calls == 3
    assert "Strict-Transport-Security" not in plain.headers
    assert "Strict-Transport-Security" in over_https.headers
    assert b"https://localhost/" in over_https.get_data()
    assert b"http://massage.test/" in other_host.get_data()
    again = visit(client, "/", headers=secure)
    assert fast.wsgi_app.calls == 3
    assert answer(again) == answer(over_https)
    # The address behind the proxy names the reader: two addresses, two visitors.
    visit(client, "/", headers={**secure, "X-Forwarded-For": "198.51.100.7"})
    assert rows(
        database_path, "SELECT count(DISTINCT visitor) FROM events WHERE kind='view'"
    ) == [(3,)]


def test_made_up_hosts_cannot_fill_memory(database_path):
    app = app_with(database_path, ARTICLE_CACHE_SIZE=8)
    fast = fast_path_of(app)
    client = app.test_client()
    for number in range(18):
        visit(client, "/book?from=header", base_url=f"http://host{number}.test")
    assert 0 < len(fast.kept) <= 8


def test_a_campaign_address_is_kept_and_its_view_keeps_the_campaign(
    client, fast, database_path
):
    for _ in range(2):  # Flask, then the fast path
        visit(client, "/?utm_source=newsletter&utm_campaign=may")
    assert fast.wsgi_app.calls == 1
    assert (
        rows(database_path, "SELECT kind, page, utm_source, utm_campaign FROM events")
        == [("view", "/", "newsletter", "may")] * 2
    )


def test_no_article_is_kept_when_the_cache_is_off(database_path):
    app = app_with(database_path, ARTICLE_CACHE_SIZE=0)
    fast = fast_path_of(app)
    client = app.test_client()
    visit(client, "/")
    visit(client, "/")
    assert fast.wsgi_app.calls == 2


def test_an_error_page_is_never_kept(client, fast, app, monkeypatch):
    monkeypatch.setitem(app.config, "ARTICLE_CACHE_SIZE", 256)
    broken = {"failed": False}

    def fail_once(*args, **kwargs):
        if not broken["failed"]:
            broken["failed"] = True
            raise RuntimeError("rendering failed")
        return original(*args, **kwargs)

    from webapp.site import views

    original = views.render_template
    monkeypatch.setattr(views, "render_template", fail_once)
    assert visit(client, "/").status_code == 500
    assert visit(client, "/").status_code == 200
    assert visit(client, "/").status_code == 200
    assert fast.wsgi_app.calls == 2


def test_the_redirect_goes_out_on_the_fast_path_when_the_journal_fails(
    client, fast, database_path, monkeypatch, caplog
):
    visit(client, "/book?from=header")
    from webapp.tracking import capture

    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(capture, "journal_for", refuse)
    response = visit(client, "/book?from=header")
    assert fast.wsgi_app.calls == 1
    assert response.status_code == 302
    assert "Event not recorded" in caplog.text
    assert PHONE not in caplog.text
