"""The technique notes of a practice that lists what it offers, JS on and off."""

import pytest
from playwright.sync_api import expect

from webapp.site.practice import load_practice
from webapp.site.widget_content import load_widgets

from ..conftest import create_migrated_database, make_app
from ..practice_data import write_practice
from .conftest import axe_violations

WIDGETS = load_widgets()
# Every generic booking button says the practice's one label.
BOOK_LABEL = load_practice().book_label
OFFERED = ("swedish", "deep-tissue")


@pytest.fixture
def app(tmp_path):
    """A site whose practice offers only Swedish and deep tissue massage."""
    offers = "".join(f"  - {technique}\n" for technique in OFFERED)
    path = write_practice(tmp_path, f"offers:\n{offers}")
    database = create_migrated_database(tmp_path / "offers.db")
    return make_app(database, PRACTICE_FILE=str(path))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_only_offered_techniques_have_a_booking_button(open_page, js):
    page = open_page("/", js=js)
    detail = page.locator("#technique-detail")
    for technique in WIDGETS.techniques.items:
        page.get_by_role("link", name=technique.name, exact=True).click()
        expect(detail).to_contain_text(technique.what_it_is)
        book = detail.get_by_role("link", name=BOOK_LABEL)
        ask = detail.get_by_text(WIDGETS.techniques.not_offered)
        if technique.id in OFFERED:
            expect(book).to_have_attribute("href", "/book?from=technique")
            expect(ask).to_have_count(0)
        else:
            expect(ask).to_be_visible()
            expect(book).to_have_count(0)
    page.watch.assert_clean()


def test_a_technique_not_offered_has_no_accessibility_violations(open_page):
    page = open_page("/?technique=hot-stone#technique-detail")
    expect(page.locator("#technique-detail")).to_contain_text(
        WIDGETS.techniques.not_offered
    )
    assert axe_violations(page) == []
