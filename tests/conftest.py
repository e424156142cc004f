"""Fixtures and shared helpers: an app on a temporary SQLite file, its test
client and CLI runner, the owner's login, readers' browsers, hostile strings.

Plain constants and functions are imported where needed, e.g.
``from .conftest import PHONE, visit``.
"""

import re

import pytest

from webapp import create_app
from webapp.auth.passwords import set_password
from webapp.core.calendar import practice_zone
from webapp.core.db import connect, migrate
from webapp.tracking import capture, classify, store

from .servers import NAVIGATION, serving


def create_migrated_database(path):
    """Create the SQLite file ``path`` with every migration applied; return it."""
    db = connect(str(path))
    try:
        migrate(db)
    finally:
        db.conn.close()
    return path


@pytest.fixture
def database_path(tmp_path):
    """A migrated SQLite file in a temporary folder (never the real data.db)."""
    return create_migrated_database(tmp_path / "test.db")


@pytest.fixture
def db(database_path):
    """The test database, open with sqlite-utils (closed after)."""
    db = connect(str(database_path))
    yield db
    db.conn.close()


TEST_SECRET = "test-secret-key-not-for-production"


def make_app(database_path, **config):
    """The app configured for tests on ``database_path``; ``config`` adds to it."""
    base = {"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE": str(database_path)}
    return create_app({**base, **config})


@pytest.fixture
def app(database_path):
    """The app, configured for tests, on the temporary database."""
    return make_app(database_path)


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


# --- The owner's login (used by the auth and stats tests) ---------------------

OWNER_PASSWORD = "quiet harbour copper lantern"


def csrf_token_from(html):
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client, password=OWNER_PASSWORD, next_path=None):
    """Log in through the real form (CSRF token included); return the response."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data)


def store_owner_password(database_path, password=OWNER_PASSWORD):
    """Store the owner's password (as a hash) in the database file."""
    db = connect(str(database_path))
    try:
        set_password(db, password)
    finally:
        db.conn.close()
    return password


@pytest.fixture
def owner_password(database_path):
    """The owner's password, stored (as a hash) in the test database."""
    return store_owner_password(database_path)


@pytest.fixture
def owner_client(app, owner_password):
    """A test client logged in as the owner."""
    client = app.test_client()
    assert log_in(client, owner_password).status_code == 302
    return client


# --- Readers' browsers and bots, as User-Agent strings --------------------------

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
# Safari 15 sends no Fetch Metadata: a real browser that tells nothing.
OLD_PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/15.6.6 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
# WhatsApp fetching a link preview: tallied as "shared", never a reader.
WHATSAPP = "WhatsApp/2.23.20.0 A"


# What a current browser sends when a reader opens one of our pages from
# another of them (link, form, button): Fetch Metadata.
READER_NAVIGATION = NAVIGATION


# A reader's phone, as its requests' headers.
READER_HEADERS = {"User-Agent": PHONE, **READER_NAVIGATION}
# The same, for a test client's ``environ_base``.
READER_ENVIRON = {
    "HTTP_" + name.upper().replace("-", "_"): value
    for name, value in READER_NAVIGATION.items()
}


def visit(
    client, path="/", agent=PHONE, method="get", metadata=READER_NAVIGATION, **kwargs
):
    """Request ``path`` as ``agent`` would, and close the response.

    Like a current browser it sends Fetch Metadata (``metadata``; ``None``
    for an old browser or a script) unless the test gives ``Sec-Fetch-*``
    headers of its own (a header given as ``None`` is left out). With
    ``TRACK_IN_BACKGROUND`` off (tests), closing the response is when its
    events are written.
    """
    given = kwargs.pop("headers", {})
    sends_metadata = any(name.lower().startswith("sec-fetch-") for name in given)
    headers = {
        "User-Agent": agent,
        **({} if sends_metadata or metadata is None else metadata),
        **given,
    }
    headers = {name: value for name, value in headers.items() if value is not None}
    with getattr(client, method)(path, headers=headers, **kwargs) as response:
        response.get_data()
        return response


# --- What the owner sees ----------------------------------------------------------

# The dashboard's headline numbers: label on the page -> key in a report.
HEADLINES = {
    "Page views": "page_views",
    "Unique visitors": "unique_visitors",
    "Booking clicks": "booking_clicks",
    "People who pressed a booking button": "unique_clickers",
}


def headlines(html):
    """The headline numbers shown on a stats page, by label."""
    return dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]*)", html))


# --- Hostile strings ----------------------------------------------------------------

# Markup and a spreadsheet formula, as a referrer or campaign may carry them:
# inert text wherever they are shown or downloaded.
HOSTILE_STRINGS = (
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    '=HYPERLINK("http://x","y")',
)
# HX-Current-URL (or Referer) values that are no usable URL: bad IPv6
# brackets, a DEL character. Each must mean "no page", never an error.
MALFORMED_URLS = ["http://[::1", "http://[bad/stats", "//[", "\x7f%ff"]


# --- Events seeded straight into the database ---------------------------------


def record(
    app, events, address, *, agent=PHONE, referrer="", utm=None, when=None, page="/"
):
    """Store events straight through the tracking module (as a request would).

    ``page``: the page they happened on ("/" the home article).
    """
    device, browser = classify.device_and_browser(agent)
    db = connect(app.config["DATABASE"])
    try:
        store.record(
            db,
            capture.Visit(
                ip=address,
                user_agent=agent,
                reason=None,
                page=page,
                referrer_host=referrer,
                utm=utm or {},
                device=device,
                browser=browser,
                events=events,
            ),
            secret=app.config["SECRET_KEY"],
            tz=practice_zone(app),
            now=when,
        )
    finally:
        db.conn.close()


@pytest.fixture
def machine():
    """A server with the site cloned (deploy tests), torn down whatever happened."""
    from .test_deploy_machine import built_machine

    with built_machine() as built:
        yield built


@pytest.fixture
def served(tmp_path):
    """gunicorn with the shipped config on loopback, on a fresh production
    database (its ``database``); stopped after."""
    with serving(tmp_path) as server:
        yield server
