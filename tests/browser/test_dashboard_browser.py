"""The owner uses the dashboard in a browser: periods, numbers, downloads, safety."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from webapp.core import calendar
from webapp.core.calendar import practice_zone
from webapp.tracking.vocabulary import CLICK, VIEW, WIDGET

from ..conftest import HOSTILE_STRINGS, make_app
from ..test_articles_pages import SECOND, SECOND_TITLE, write_articles
from ..test_click_to_client import add_batch, ago
from ..test_dashboard import dashes, record, spelt
from .conftest import DESKTOP, NARROW, PHONE, axe_violations, with_text_spacing

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
    tz = practice_zone(app)
    earlier = datetime.datetime.combine(
        calendar.today(practice_zone(app)) - datetime.timedelta(days=10),
        datetime.time(9),
        tz,
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
    assert headline(page, "People who pressed a booking button") == "2"
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
    expect(page.locator("#period-90d")).to_be_focused()
    page.watch.assert_clean()


def test_a_date_range_and_a_bad_range_with_htmx(
    open_page, live_server, owner_password, known_traffic, app
):
    page = sign_in(open_page, live_server, owner_password)
    mark_document(page)
    today = calendar.today(practice_zone(app))
    start = today - datetime.timedelta(days=12)
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(
        f"{live_server.url}/stats?from={start.isoformat()}&to={today.isoformat()}"
    )
    expect(page.locator(".dash-heading")).to_contain_text(dashes(start, today))
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

    today = calendar.today(practice_zone(app))
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
    # Not shaped like a site's name: "Other sites", the text itself on hover.
    referrers = page.get_by_role("region", name="Clicks by referrer", exact=True)
    expect(referrers).to_contain_text("Other sites")
    other = referrers.get_by_role("rowheader", name="Other sites")
    expect(other).to_have_attribute("title", re.compile(re.escape(HOSTILE_STRINGS[0])))
    expect(other).to_have_attribute("title", re.compile(re.escape(HOSTILE_STRINGS[1])))
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


# --- Status messages, text spacing, reflow (WCAG 4.1.3, 1.4.12, 1.4.10) -------------

SPACED_VIEWPORTS = pytest.mark.parametrize(
    "viewport", [NARROW, PHONE, DESKTOP], ids=["320px", "375px", "1280px"]
)
# Text wider than its own box (WCAG 1.4.12 and 1.4.10): spilling over the next
# cell or past the card. Stricter than "outside a scrolling box": a heatmap
# label that overlaps its neighbour is a failure even inside a box that scrolls;
# a box that scrolls is fine only for what it holds, and it holds whole tables.
CLIPPED_TEXT = """() => {
  const boxes = document.querySelectorAll(
    "#main td, #main th, #main label, #main button, #main a, #main input, " +
    "#main dt, #main dd, #main h2, #main h3, #main p, #main caption, #main summary");
  return [...boxes]
    .filter((el) => el.getClientRects().length && el.scrollWidth > el.clientWidth + 1)
    .filter((el) => !["auto", "scroll"].includes(getComputedStyle(el).overflowX))
    .filter((el) => el.clientWidth > 1)  // visually hidden: one pixel, on purpose
    .map((el) => `${el.tagName} "${el.textContent.trim().slice(0, 40)}": ` +
                 `${el.scrollWidth} > ${el.clientWidth}`);
}"""
# Scrolling boxes: each must be a named region the keyboard can reach.
SCROLL_BOXES = """() => [...document.querySelectorAll("#main *")]
  .filter((el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
  .filter((el) => el.scrollWidth > el.clientWidth)
  .map((el) => ({role: el.getAttribute("role"),
                 tabindex: el.getAttribute("tabindex"),
                 named: el.hasAttribute("aria-label") ||
                        el.hasAttribute("aria-labelledby")}))"""


def cut_dates(page):
    """Date fields whose date is cut off: ``["period-from: 91 > 78", ...]``.

    A date field draws its date in the browser's own shadow tree, which
    scrollWidth does not see; DevTools can measure it: the date's fields
    (``-webkit-datetime-edit-fields-wrapper``) wider than their box.
    """
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]

    def width(node):
        box = cdp.send("DOM.getBoxModel", {"backendNodeId": node["backendNodeId"]})
        return box["model"]["width"]

    cut, seen, todo = [], 0, [(root, None)]
    while todo:
        node, host = todo.pop()
        flat = node.get("attributes", [])
        attributes = dict(zip(flat[::2], flat[1::2], strict=True))
        if attributes.get("pseudo") == "-webkit-datetime-edit":
            fields, seen = node["children"][0], seen + 1
            if width(fields) > width(node):
                cut.append(f"{host}: {width(fields)} > {width(node)}")
        todo += [(child, host) for child in node.get("children", [])]
        todo += [
            (shadow, attributes.get("id")) for shadow in node.get("shadowRoots", [])
        ]
    cdp.detach()
    assert seen, "no date field measured"
    return cut


def page_scroll(page):
    """How far the page itself scrolls sideways, by the window's measure."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def slow_down(page, delay_ms=600):
    """Hold the dashboard's htmx requests back a while, so a test sees the wait."""

    def delayed(route):
        if route.request.headers.get("hx-request") == "true":
            page.wait_for_timeout(delay_ms)
        route.continue_()

    page.route("**/stats?*", delayed)


def test_a_period_change_is_announced_and_the_dashboard_is_busy_meanwhile(
    open_page, live_server, owner_password, known_traffic
):
    page = sign_in(open_page, live_server, owner_password)
    status = page.get_by_role("status")
    expect(status).to_have_count(1)
    # Outside the box htmx swaps, so it is the same element before and after.
    assert page.locator("#dashboard [role=status]").count() == 0
    expect(status).to_have_text("")
    slow_down(page)
    dashboard = page.locator("#dashboard")

    link = page.get_by_role("link", name="Last 30 days")
    link.focus()
    page.keyboard.press("Enter")
    expect(dashboard).to_have_attribute("aria-busy", "true")
    page.wait_for_url(live_server.url + "/stats?period=30d")
    expect(page.locator(".dash-heading")).to_contain_text("Last 30 days")
    expect(dashboard).not_to_have_attribute("aria-busy", "true")
    expect(status).to_have_text(
        "Now showing: Last 30 days. Page views: 7. Booking clicks: 3."
    )
    assert "Last 30 days" in page.locator("#dashboard-status").inner_text()
    expect(page.locator("#period-30d")).to_be_focused()
    # In the accessibility tree, as a polite live region.
    snapshot = page.locator("#dashboard-status").aria_snapshot()
    assert "status" in snapshot and "Page views: 7" in snapshot
    page.watch.assert_clean()


def test_a_date_range_is_announced_and_a_bad_one_empties_the_status(
    open_page, live_server, owner_password, known_traffic, app
):
    page = sign_in(open_page, live_server, owner_password)
    slow_down(page)
    dashboard = page.locator("#dashboard")
    today = calendar.today(practice_zone(app))
    start = today - datetime.timedelta(days=12)
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    expect(dashboard).to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("status")).to_have_text(
        f"Now showing: {spelt(start)} to {spelt(today)}. "
        "Page views: 7. Booking clicks: 3."
    )
    expect(dashboard).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#period-show")).to_be_focused()

    # A bad range: the alert speaks; the status no longer claims old numbers.
    page.get_by_label("From", exact=True).fill(today.isoformat())
    page.get_by_label("To", exact=True).fill(start.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("")
    expect(dashboard).not_to_have_attribute("aria-busy", "true")
    page.watch.assert_clean()


def test_the_dashboard_is_not_left_busy_when_a_request_fails(
    open_page, live_server, owner_password, known_traffic
):
    page = sign_in(open_page, live_server, owner_password)
    page.route("**/stats?period=90d", lambda route: route.abort("connectionreset"))
    page.get_by_role("link", name="Last 90 days").click()
    dashboard = page.locator("#dashboard")
    expect(dashboard).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(".dash-heading")).to_contain_text("Last 7 days")


@SPACED_VIEWPORTS
def test_dashboard_text_fits_with_wider_text_spacing(
    open_page, live_server, owner_password, known_traffic, hostile_traffic, viewport
):
    page = sign_in(
        open_page, live_server, owner_password, "/stats?period=30d", viewport=viewport
    )
    with_text_spacing(page)
    page.get_by_text("The numbers as a table").click()
    assert page.evaluate(CLIPPED_TEXT) == []
    assert cut_dates(page) == []
    assert page_scroll(page) <= 0
    for box in page.evaluate(SCROLL_BOXES):
        assert box == {"role": "region", "tabindex": "0", "named": True}
    # The same after htmx swaps in another period.
    page.get_by_role("link", name="Last 90 days").click()
    expect(page.locator(".dash-heading")).to_contain_text("Last 90 days")
    assert page.evaluate(CLIPPED_TEXT) == []
    assert page_scroll(page) <= 0


@pytest.mark.parametrize(
    "options",
    [
        {"viewport": NARROW},
        # 400% zoom of a 1280 px window: 320 CSS pixels, four device pixels each.
        {"viewport": NARROW, "device_scale_factor": 4},
        {"viewport": PHONE},
    ],
    ids=["320px", "400%", "375px"],
)
def test_date_fields_show_the_whole_date_when_narrow(
    open_page, live_server, owner_password, known_traffic, options
):
    page = sign_in(
        open_page, live_server, owner_password, "/stats?period=30d", **options
    )
    assert cut_dates(page) == []
    assert page_scroll(page) <= 0
    with_text_spacing(page)
    assert cut_dates(page) == []
    assert page_scroll(page) <= 0
    # Stacked: each field as wide as the form.
    fields = [
        page.get_by_label(name, exact=True).bounding_box() for name in ("From", "To")
    ]
    assert fields[1]["y"] >= fields[0]["y"] + fields[0]["height"]


@VIEWPORTS
def test_tables_and_heatmap_scroll_inside_focusable_regions(
    open_page, live_server, owner_password, known_traffic, hostile_traffic, viewport
):
    page = sign_in(
        open_page, live_server, owner_password, "/stats?period=30d", viewport=viewport
    )
    tables = page.locator("#dashboard table")
    assert tables.count() >= 5
    # Every table sits in a named, focusable scrolling region.
    for region in tables.evaluate_all(
        "ts => ts.map(t => t.closest('.dash-scroll')).map(r => r && "
        "[r.getAttribute('role'), r.tabIndex, getComputedStyle(r).overflowX])"
    ):
        assert region == ["region", 0, "auto"]
    heat = page.get_by_role("region", name="Booking clicks by hour and weekday")
    heat.focus()
    assert heat.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    # Host names wrap only after a dot: never inside a name, nor at a hyphen.
    parts = page.locator("#by-referrer_host ~ * .dash-host-part")
    assert parts.count() >= 3  # the long host: known sites show by name
    assert (
        parts.evaluate_all("ps => ps.filter(p => p.getClientRects().length !== 1)")
        == []
    )
    long_host = page.locator(".dash-table__label").filter(has_text=LONG_HOST[:60]).first
    lines = long_host.evaluate(
        "cell => new Set([...cell.querySelectorAll('.dash-host-part')]"
        ".map(p => Math.round(p.getBoundingClientRect().top))).size"
    )
    assert lines >= 2  # it wraps at its dots rather than widen its table
    page.watch.assert_clean()


# --- The first day, and the answer first (issue 29) ----------------------------------


def test_first_login_on_an_empty_database_is_a_checklist_without_charts(
    open_page, live_server, owner_password
):
    page = sign_in(
        open_page,
        live_server,
        owner_password,
        viewport=DESKTOP,
        permissions=["clipboard-read", "clipboard-write"],
    )
    expect(page.get_by_role("heading", name="Your first steps")).to_be_visible()
    steps = page.locator(".dash-step__title")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("Share your article’s link")
    expect(page.locator("svg, .heat-table, .owner-totals")).to_have_count(0)
    link = page.get_by_label("Your article’s address")
    expect(link).to_have_value(live_server.url + "/")
    # The copy button is JavaScript's: it copies and says so, politely.
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + "/"
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_without_javascript_the_link_is_a_field_to_select(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, js=False)
    expect(page.get_by_label("Your article’s address")).to_have_value(
        live_server.url + "/"
    )
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
    assert sideways_scroll(page) <= 0  # a 375 px phone


@pytest.fixture
def demo_and_import(app, database_path):
    """Demo data, then an import of this month's website bookings at known prices."""
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["seed-demo", "--events", "2000", "--days", "40", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    add_batch(
        database_path,
        [
            {"day": ago(app, 0), "price_cents": 9000, "new_client": 1},
            {"day": ago(app, 0), "price_cents": 12000, "new_client": 1},
        ],
    )


def website_value_this_month(database_path, app):
    """This month's kept website bookings' prices, summed straight from the rows."""
    from webapp.core.db import connect

    first = calendar.today(practice_zone(app)).replace(day=1).isoformat()
    db = connect(str(database_path))
    try:
        cents = db.execute(
            "select coalesce(sum(price_cents), 0) from bookings b join import_batches i"
            " on i.id = b.batch and i.confirmed_at != '' where b.channel = 'website'"
            " and b.status in ('completed', 'confirmed', 'upcoming') and b.day >= ?",
            [first],
        ).fetchone()[0]
    finally:
        db.conn.close()
    return cents


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_this_month_opens_with_the_value_and_the_fees_in_us_dates(
    open_page, live_server, owner_password, demo_and_import, app, database_path, js
):
    page = sign_in(open_page, live_server, owner_password, viewport=DESKTOP, js=js)
    page.get_by_role("link", name="This month").click()
    page.wait_for_url(live_server.url + "/stats?period=month")
    today = calendar.today(practice_zone(app))
    heading = page.locator(".dash-heading")
    expect(heading).to_contain_text("This month")
    expect(heading).to_contain_text(dashes(today.replace(day=1), today))
    cents = website_value_this_month(database_path, app)
    assert cents >= 9000 + 12000
    worth = f"${cents // 100:,}" + (f".{cents % 100:02d}" if cents % 100 else "")
    answer = page.locator(".dash-answer")
    expect(answer).to_contain_text("This month: ")
    expect(answer).to_contain_text(f"worth {worth}")
    expect(answer).to_contain_text("through the directory would have cost about $")
    expect(answer).to_contain_text(" in fees.")
    expect(page.get_by_text("Directory fees avoided")).to_have_count(0)
    # The address says the period: a bookmark or a reload gives it again.
    page.reload()
    expect(page.locator(".dash-heading")).to_contain_text("This month")
    page.watch.assert_clean()


# --- Each article's numbers (issue 32) ------------------------------------------------


class TestArticles:
    """A second article's readers: the Articles table, and narrowing to one."""

    @pytest.fixture
    def app(self, database_path, tmp_path):
        """The app on a content folder of three articles (home, second, a draft)."""
        folder = write_articles(tmp_path / "content")
        return make_app(database_path, CONTENT_DIR=str(folder))

    @pytest.fixture
    def two_articles(self, app):
        """Today: 3 views and 1 click on the home article, 2 and 2 on the second."""
        for n in range(3):
            click = {"kind": CLICK, "placement": "header"}
            events = [{"kind": VIEW}] + ([click] if n == 0 else [])
            record(app, events, f"198.51.100.{n}")
        for n in range(2):
            events = [{"kind": VIEW}, {"kind": CLICK, "placement": "article-end"}]
            record(app, events, f"198.51.100.{10 + n}", page=f"/articles/{SECOND}")

    @pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
    def test_the_table_and_narrowing_by_clicking_an_article(
        self, open_page, live_server, owner_password, two_articles, js
    ):
        page = sign_in(open_page, live_server, owner_password, js=js)
        table = page.get_by_role("region", name="Articles, table")
        expect(table).to_contain_text(SECOND_TITLE)
        expect(table.locator("tfoot")).to_contain_text("All articles")
        expect(page.locator("#dash-narrowed")).to_have_count(0)
        assert headline(page, "Page views") == "5"
        if js:
            mark_document(page)

        table.get_by_role("link", name=f"Only this one (“{SECOND_TITLE}”)").click()
        page.wait_for_url(f"{live_server.url}/stats?article={SECOND}&period=7d")
        expect(page.locator("#dash-narrowed")).to_contain_text(SECOND_TITLE)
        expect(page.locator(".owner-total").first).to_contain_text("2")
        assert headline(page, "Booking clicks") == "2"
        # Another period keeps the article; "See every article" lets it go.
        page.get_by_role("link", name="Last 30 days").click()
        page.wait_for_url(f"{live_server.url}/stats?period=30d&article={SECOND}")
        expect(page.locator("#dash-narrowed")).to_contain_text(SECOND_TITLE)
        assert headline(page, "Page views") == "2"
        page.get_by_role("link", name="See every article").click()
        page.wait_for_url(f"{live_server.url}/stats?period=30d")
        expect(page.locator("#dash-narrowed")).to_have_count(0)
        assert headline(page, "Page views") == "5"
        if js:  # axe runs in the page: only with JavaScript
            assert same_document(page)
            assert axe_violations(page) == []
        page.watch.assert_clean()
