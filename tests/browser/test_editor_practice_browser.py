"""Your details in Chromium: change a price, see it live; a refusal by field; a photo.

The form works the same with or without JavaScript (plain posts); it passes
axe and fits a 320 px screen, its error state included.
"""

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from .conftest import (
    ZOOMED,
    axe_violations,
    low_contrast_borders,
    overflowing_boxes,
    page_without_scripts,
    reflow_problems,
    with_text_spacing,
)
from .test_dashboard_browser import sideways_scroll, sign_in

NARROW = {"width": 320, "height": 740}
PAGE = "/edit/practice"


def open_when_live(page, url, words, seconds=2.0):
    """Open ``url`` again until it holds ``words`` (a save shows within 2 s)."""
    deadline = time.monotonic() + seconds
    page.goto(url)
    while words not in page.content() and time.monotonic() < deadline:
        time.sleep(0.2)
        page.goto(url)
    expect(page.locator("main")).to_contain_text(words)


def test_a_new_price_is_saved_announced_and_live(
    open_page, live_server, owner_password
):
    page = sign_in(open_page, live_server, owner_password, path=PAGE, viewport=NARROW)
    session = page.get_by_role("group", name="Session 1")
    session.get_by_label("Name", exact=True).fill("Therapeutic massage")
    session.get_by_label("Minutes").fill("60")
    session.get_by_label("Price").fill("104")
    page.get_by_role("button", name="Save your details").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(session.get_by_label("Price")).to_have_value("104")
    assert sideways_scroll(page) == 0
    assert axe_violations(page) == []
    page.watch.assert_clean()
    open_when_live(page, live_server.url + "/", "$104")


def test_a_bad_opening_hour_is_refused_by_its_field_without_scripts(
    open_page, live_server, owner_password
):
    page = page_without_scripts(open_page, live_server, "/login?next=" + PAGE)
    page.get_by_label("Password").fill(owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + PAGE)
    page.set_viewport_size(NARROW)
    wednesday = page.get_by_role("group", name="Wednesday")
    wednesday.get_by_label("Opens").fill("18:00")
    wednesday.get_by_label("Closes").fill("09:00")
    page.get_by_role("button", name="Save your details").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was saved")
    expect(alert.get_by_role("link")).to_contain_text("Wednesday, closes")
    closes = page.get_by_role("group", name="Wednesday").get_by_label("Closes")
    expect(closes).to_have_attribute("aria-invalid", "true")
    expect(closes).to_have_value("09:00")
    alert.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#f-hours-2-closes$"))
    assert axe_violations(page) == []
    assert reflow_problems(page) == []
    assert sideways_scroll(page) == 0


def test_a_photo_upload_needs_a_description_and_then_shows(
    open_page, live_server, owner_password, tmp_path
):
    from ..test_photos import gps_exif, picture_bytes

    photo = Path(tmp_path / "me.jpg")
    photo.write_bytes(picture_bytes(exif=gps_exif()))
    page = sign_in(open_page, live_server, owner_password, path=PAGE)
    page.get_by_label("A new photo").set_input_files(str(photo))
    page.get_by_label("What the photo shows").fill("Jordan, smiling")
    page.get_by_role("button", name="Save the photo").click()
    expect(page.get_by_role("status")).to_contain_text("Photo saved.")
    image = page.get_by_role("img", name="Jordan, smiling")
    expect(image).to_have_attribute("src", re.compile(r"^/photos/[0-9a-f]{64}\.webp$"))
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 800


def test_the_form_reflows_at_320_px_with_text_spacing_and_zoom(
    open_page, live_server, owner_password
):
    for viewport in (NARROW, ZOOMED):
        page = sign_in(
            open_page, live_server, owner_password, path=PAGE, viewport=viewport
        )
        page.get_by_role("group", name="Tuesday").get_by_label("Opens").fill("17:00")
        page.get_by_role("group", name="Tuesday").get_by_label("Closes").fill("08:00")
        page.get_by_role("button", name="Save your details").click()
        expect(page.get_by_role("alert")).to_contain_text("Tuesday, closes")
        remove = with_text_spacing(page)
        assert reflow_problems(page) == []
        assert overflowing_boxes(page) == []
        remove()
        assert low_contrast_borders(page) == []


def test_the_error_state_passes_axe_in_dark_mode(
    open_page, live_server, owner_password
):
    page = sign_in(
        open_page, live_server, owner_password, path=PAGE, color_scheme="dark"
    )
    page.get_by_label("A new photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": b"<?php echo 1; ?>"}
    )
    page.get_by_label("What the photo shows").fill("Me")
    page.get_by_role("button", name="Save the photo").click()
    expect(page.get_by_role("alert")).to_contain_text("not a photo we can use")
    assert axe_violations(page) == []
    page.get_by_label("Currency").fill("Dollars")
    page.get_by_role("button", name="Save your details").click()
    expect(page.get_by_role("alert")).to_contain_text("Currency")
    expect(page.get_by_label("Currency")).to_have_value("Dollars")
    assert axe_violations(page) == []
