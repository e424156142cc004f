"""The owner uses the dashboard in a browser: periods, numbers, downloads, safety."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from webapp.tracking import vocabulary
from webapp.tracking.vocabulary import CLICK, VIEW, WIDGET, local_today

from ..conftest import HOSTILE_STRINGS
from ..test_dashboard import record
from .conftest import DESKTOP, PHONE, axe_violations

VIEWPORTS = pytest.mark.parametrize(
    "viewport", [PHONE, DESKTOP], ids=["375px", "1280px"]
)
# A referrer as long as the tracking module keeps, with no place to break it.
LONG_HOST = "a" * 60 + ".example-with-a-very-long-host-name.com"


def sideways_scroll(page):
    """How far the page scrolls sideways (0: nothing wider than the screen)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def mark_document(page):
    """Tag the live document; a full page load would lose the tag."""
    page.evaluate("window.__samePage = true")


def same_document(page):
    return page.evaluate("window.__samePage === true")


def headline(page, label):
    """The big number of one headline tile."""
    tile = page.locator(".owner-total").filter(has=page.get_by_text(label, exact=True))
    return tile.locator("dd").first.inner_text()


@pytest.fixture
def known_traffic(app):
    """Today: 3 readers viewed, 2 clicked (one twice), one used the chooser.

    Ten days ago: 4 readers viewed (outside 7 days, inside 30).
    """
    for n in range(3):
        record(app, [{"kind": VIEW}], f"198.51.100.{n}")
    record(app, [{"kind": CLICK, "placement": "header"}], "198.51.100.0")
    record(app, [{"kind": CLICK, "placement": "header"}], "198.51.100.0")
    record(app, [{"kind": CLICK, "placement": "footer"}], "198.51.100.1")
    record(
        app,
        [{"kind": WIDGET, "widget": "chooser", "detail": "therapeutic"}],
        "198.51.100.2",
    )
    tz = vocabulary.zone(app.config["TIME_ZONE"])
    earlier = datetime.datetime.combine(
        local_today(app) - datetime.timedelta(days=10), datetime.time(9), tz
    )
    for n in range(4):
        record(app, [{"kind": VIEW}], f"198.51.100.{50 + n}", when=earlier)


@pytest.fixture
def hostile_traffic(app):
    """Events whose referrer and campaign fields hold markup and formulas."""
    for n, payload in enumerate((*HOSTILE_STRINGS, LONG_HOST)):
        utm = {field: payload for field in ("utm_source", "utm_campaign", "utm_term")}
        record(
            app,
            [{"kind": VIEW}, {"kind": CLICK, "placement": "header"}],
            f"192.0.2.{n + 1}",
            referrer=payload,
            utm=utm,
        )


def sign_in(open_page, live_server, password, path="/stats", **options):
    """Open the login page, sign in, land on ``path``."""
    page = open_page(f"/login?next={path}", **options)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + path)
    return page


# --- Periods, with JS on and off -----------------------------------------------------


def test_switching_periods_with_htmx_pushes_the_url_and_back_restores(
    open_page, live_server, owner_password, known_traffic
):
    page = sign_in(open_page, live_server, owner_password)
    heading = page.locator(".dash-heading")
    expect(heading).to_contain_text("Last 7 days")
    assert headline(page, "Page views") == "3"
    assert headline(page, "Booking clicks") == "3"
    assert headline(page, "Unique clickers") == "2"
    assert headline(page, "Click-through rate") == "66.7%"
    mark_document(page)

    page.get_by_role("link", name="Last 30 days").click()
    page.wait_for_url(live_server.url + "/stats?period=30d")
    expect(heading).to_contain_text("Last 30 days")
    assert headline(page, "Page views") == "7"
    assert page.title().startswith("Your stats: Last 30 days")
    expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute(
        "aria-current", "page"
    )
    # Swapped in place, not loaded: the document is the same one.
    assert same_document(page)

    page.go_back()
    page.wait_for_url(live_server.url + "/stats")
    expect(heading).to_contain_text("Last 7 days")
    assert headline(page, "Page views") == "3"
    assert same_document(page)

    page.go_forward()
    page.wait_for_url(live_server.url + "/stats?period=30d")
    expect(heading).to_contain_text("Last 30 days")

    # From the keyboard: focus stays on the chosen period after the swap.
    page.get_by_role("link", name="Last 90 days").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/stats?period=90d")
    expect(heading).to_contain_text("Last 90 days")
    assert page.evaluate("document.activeElement.id") == "period-90d"
    page.watch.assert_clean()


def test_a_date_range_and_a_bad_range_with_htmx(
    open_page, live_server, owner_password, known_traffic, app
):
    page = sign_in(open_page, live_server, owner_password)
    mark_document(page)
    today = local_today(app)
    start = today - datetime.timedelta(days=12)
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(
        f"{live_server.url}/stats?from={start.isoformat()}&to={today.isoformat()}"
    )
    expect(page.locator(".dash-heading")).to_contain_text(
        f"{start.isoformat()} to {today.isoformat()}"
    )
    assert headline(page, "Page views") == "7"

    # "From" after "to": a clear message in place of the numbers, form kept.
    page.get_by_label("From", exact=True).fill(today.isoformat())
    page.get_by_label("To", exact=True).fill(start.isoformat())
    page.get_by_role("button", name="Show").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("The “from” date must not be after the “to” date.")
    expect(page.get_by_label("From", exact=True)).to_have_value(today.isoformat())
    expect(page.get_by_label("From", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    assert page.title().startswith("Error: ")
    # And a preset gets the owner out of it.
    page.get_by_role("link", name="Today").click()
    expect(page.locator(".dash-heading")).to_contain_text("Today")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert same_document(page)
    page.watch.assert_clean()


def test_switching_periods_without_javascript_loads_full_pages(
    open_page, live_server, owner_password, known_traffic, app
):
    page = sign_in(open_page, live_server, owner_password, js=False)
    assert headline(page, "Page views") == "3"
    page.get_by_role("link", name="Last 30 days").click()
    page.wait_for_url(live_server.url + "/stats?period=30d")
    assert headline(page, "Page views") == "7"
    assert page.title().startswith("Your stats: Last 30 days")

    today = local_today(app)
    page.get_by_label("From", exact=True).fill(today.isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(
        f"{live_server.url}/stats?from={today.isoformat()}&to={today.isoformat()}"
    )
    assert headline(page, "Page views") == "3"
    # The table of the chart's numbers opens without JS too.
    page.get_by_text("The numbers as a table").click()
    table = page.get_by_role("table", name="Page views and booking clicks per day")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)
    page.watch.assert_clean()


# --- Downloads -----------------------------------------------------------------------


def test_csv_downloads_hold_the_periods_numbers(
    open_page, live_server, owner_password, known_traffic
):
    page = sign_in(open_page, live_server, owner_password, path="/stats?period=30d")
    with page.expect_download() as info:
        page.get_by_role("link", name="Every event (CSV)").click()
    download = info.value
    assert download.suggested_filename.startswith("events-")
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    text = data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["ts", "day", "kind"]
    kinds = [row[2] for row in rows]
    assert (kinds.count("view"), kinds.count("click"), kinds.count("widget")) == (
        7,
        3,
        1,
    )

    with page.expect_download() as info:
        page.get_by_role("link", name="Daily totals (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    header, *days = list(csv.reader(io.StringIO(text)))
    assert len(days) == 30
    views = header.index("page_views")
    assert sum(int(day[views]) for day in days) == 7
    page.watch.assert_clean()


# --- Safety and accessibility ------------------------------------------------------


@VIEWPORTS
def test_hostile_referrers_and_campaigns_stay_inert(
    open_page, live_server, owner_password, hostile_traffic, viewport
):
    dialogs = []
    page = open_page("/login?next=/stats", viewport=viewport)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/stats")
    # Shown as text, where the owner can read what came in.
    referrers = page.get_by_role("region", name="Clicks by referrer")
    expect(referrers).to_contain_text(HOSTILE_STRINGS[0])
    expect(referrers).to_contain_text(HOSTILE_STRINGS[1])
    # Swapped in by htmx as well.
    page.get_by_role("link", name="Last 90 days").click()
    page.wait_for_url(live_server.url + "/stats?period=90d")
    expect(page.locator(".dash-heading")).to_contain_text("Last 90 days")
    page.get_by_text("The numbers as a table").click()
    page.mouse.move(200, 200)
    assert page.locator("svg svg, script:not([src])").count() == 0
    assert dialogs == []
    assert sideways_scroll(page) <= 0
    page.watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@VIEWPORTS
def test_dashboard_has_no_accessibility_violations(
    open_page,
    live_server,
    owner_password,
    known_traffic,
    hostile_traffic,
    scheme,
    viewport,
):
    page = sign_in(
        open_page,
        live_server,
        owner_password,
        path="/stats?period=30d",
        viewport=viewport,
        color_scheme=scheme,
    )
    page.get_by_text("The numbers as a table").click()
    assert axe_violations(page) == []
    # And with an error showing.
    page.get_by_label("From", exact=True).fill("2025-03-09")
    page.get_by_label("To", exact=True).fill("2025-03-01")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("alert").wait_for()
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_dashboard_fits_a_phone(
    open_page, live_server, owner_password, known_traffic, hostile_traffic
):
    page = sign_in(open_page, live_server, owner_password, path="/stats?period=30d")
    assert sideways_scroll(page) <= 0
    page.get_by_text("The numbers as a table").click()
    assert sideways_scroll(page) <= 0
    # The period links and the Show button are big enough to tap.
    for control in (
        page.get_by_role("link", name="Last 7 days"),
        page.get_by_role("button", name="Show"),
        page.get_by_label("From", exact=True),
    ):
        box = control.bounding_box()
        assert box["height"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Every card stays inside the screen.
    for box in page.locator(".dash-card").evaluate_all(
        "cards => cards.map(c => c.getBoundingClientRect().right)"
    ):
        assert box <= PHONE["width"]
    page.watch.assert_clean()
