"""The practice's own details (content/practice.yaml) and the booking note.

Each block shows only once the owner has filled it in; what is filled in
reaches readers as text and search engines as structured data, never null.
"""

import json
import re

import pytest

from webapp import create_app
from webapp.site.article import ARTICLE_FILE, load_article
from webapp.site.content import ContentError
from webapp.site.placements import platform_name
from webapp.site.practice import PRACTICE_FILE, load_practice
from webapp.site.structured_data import structured_data as build_structured_data

from .practice_data import FILLED_PRACTICE, MARKUP, filled_practice_app, write_practice

# "Sessions and prices" has its own section (tests/test_byline.py).
BLOCK_HEADINGS = (
    "Your therapist",
    "Policies",
    "Your first visit",
    "Contact and hours",
)


BOOK = "https://book.example/serenity"


def structured_data_of(practice, photo_url=None):
    """The JSON-LD built for ``practice`` on https://example.com/."""
    article = load_article(ARTICLE_FILE)
    return build_structured_data(
        practice, article, "https://example.com/", photo_url, BOOK
    )


def structured_data(html):
    """The page's JSON-LD, parsed."""
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD in the page"
    return json.loads(match.group(1))


def business(html):
    """The business node of the page's JSON-LD."""
    graph = structured_data(html)["@graph"]
    return next(node for node in graph if node["@type"] == "HealthAndBeautyBusiness")


def nulls(value, path="$"):
    """The paths of every null (or empty text or list) in a JSON value."""
    if value is None or value in ("", [], {}):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nulls(item, f"{path}[{i}]")]
    return []


@pytest.fixture
def filled(tmp_path):
    """The article page with every practice block filled in."""
    app = filled_practice_app(tmp_path / "filled")
    return app.test_client().get("/").get_data(as_text=True)


# --- Shipped empty: nothing shows ------------------------------------------------


def test_the_shipped_file_has_every_block_empty():
    practice = load_practice(PRACTICE_FILE)
    assert not practice.filled
    assert not practice.has_contact
    data = structured_data_of(practice, "https://example.com/x.jpg")
    assert data["@graph"][1] == {
        "@type": "HealthAndBeautyBusiness",
        "name": "Reach for Serenity",
        "url": "https://example.com/",
        "potentialAction": {"@type": "ReserveAction", "target": BOOK},
    }


def test_no_section_while_every_block_is_empty(client):
    html = client.get("/").get_data(as_text=True)
    assert "Before you book" not in html
    assert 'class="practice' not in html
    for heading in BLOCK_HEADINGS:
        assert f"<h3>{heading}</h3>" not in html
    data = business(html)
    for key in ("employee", "makesOffer", "priceRange", "openingHoursSpecification"):
        assert key not in data
    assert nulls(structured_data(html)) == []


def test_one_filled_block_shows_alone(tmp_path, database_path):
    path = write_practice(tmp_path, "policies:\n  cancellation: A day's notice.\n")
    app = create_app(
        {"TESTING": True, "DATABASE": str(database_path), "PRACTICE_FILE": str(path)}
    )
    html = app.test_client().get("/").get_data(as_text=True)
    assert "Before you book" in html
    assert "<h3>Policies</h3>" in html
    assert "A day&#39;s notice." in html
    for heading in set(BLOCK_HEADINGS) - {"Policies"}:
        assert f"<h3>{heading}</h3>" not in html
    assert "<dt>Payment</dt>" not in html


# --- Filled in: every block shows, escaped ------------------------------------


def test_every_filled_block_shows(filled):
    section = filled[filled.index('<section class="practice"') :]
    section = section[: section.index("</section>")]
    for heading in BLOCK_HEADINGS:
        assert f"<h3>{heading}</h3>" in section
    for text in (
        '<p class="practice__name">Jordan Lee</p>',
        'alt="Jordan Lee in the treatment room"',
        "Licensed Massage Therapist (LMT), license MA-12345",
        "12 years in practice",
        "<li>Prenatal massage certificate</li>",
        "Please give 24 hours&#39; notice",
        "ask for a receipt for your HSA or FSA",
        "only the area worked on is uncovered",
        "Please arrive 10 minutes early.",
        "<dt>Monday to Friday</dt>",
        '<time datetime="09:00">9:00\u202fAM</time>',
        '<time datetime="14:30">2:30\u202fPM</time>',
        "By appointment only.",
        '<a href="tel:+15550100" data-call="/call?from=practice">+1 555 0100</a>',
    ):
        assert text in section, text


def test_the_section_stands_before_the_closing_booking_button(filled):
    assert filled.index("Before you book") < filled.index(
        'data-placement="article-end"'
    )


def test_the_photo_is_served_from_our_own_origin(tmp_path):
    app = filled_practice_app(tmp_path / "filled")
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    src = re.search(r'<img class="practice__photo" src="([^"]+)"', html).group(1)
    assert src.startswith("/static/og-image.png")
    with client.get(src) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"


def test_the_owners_words_are_text_not_markup(filled):
    assert MARKUP not in filled
    assert "pressure is &lt;b&gt;firm&lt;/b&gt; &amp; &lt;i&gt;kind&lt;/i&gt;" in filled
    # In the JSON-LD too: <, > and & never close the script element.
    script = re.search(r'ld\+json">(.*?)</script>', filled, re.S).group(1)
    assert "<b>" not in script
    employee = business(filled)["employee"]
    assert employee["description"] == f"I listen first; pressure is {MARKUP}."


# --- Filled in: the structured data carries it, never null ----------------------------


def test_structured_data_carries_what_is_filled_in(filled):
    data = business(filled)
    assert nulls(structured_data(filled)) == []
    employee = data["employee"]
    assert employee["@type"] == "Person"
    assert employee["name"] == "Jordan Lee"
    assert employee["image"] == "http://localhost/static/og-image.png"
    assert employee["hasCredential"] == {
        "@type": "EducationalOccupationalCredential",
        "credentialCategory": "license",
        "name": "Licensed Massage Therapist (LMT)",
        "identifier": "MA-12345",
        "recognizedBy": {
            "@type": "Organization",
            "name": "Massachusetts Board of Registration of Massage Therapy",
        },
    }
    offers = data["makesOffer"]
    assert [offer["itemOffered"]["name"] for offer in offers] == [
        "Therapeutic massage, 60 minutes",
        "Medical massage, 90 minutes",
    ]
    assert [(offer["price"], offer["priceCurrency"]) for offer in offers] == [
        ("90", "USD"),
        ("132.5", "USD"),
    ]
    assert data["priceRange"] == "$90 to $132.50"
    assert data["openingHoursSpecification"] == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            "opens": "09:00",
            "closes": "18:00",
        },
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": ["Saturday"],
            "opens": "10:00",
            "closes": "14:30",
        },
    ]
    assert data["telephone"] == "+1 555 0100"


def test_a_therapist_without_a_name_is_no_person(tmp_path, database_path):
    path = write_practice(tmp_path, "therapist:\n  years_in_practice: 3\n")
    app = create_app(
        {"TESTING": True, "DATABASE": str(database_path), "PRACTICE_FILE": str(path)}
    )
    html = app.test_client().get("/").get_data(as_text=True)
    assert "3 years in practice" in html
    assert "employee" not in business(html)
    assert nulls(structured_data(html)) == []


# --- Start-up refuses a bad file, with one line that names the key -------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "therapist:\n  photo: no-such-photo.jpg\n  photo_alt: Me\n",
            "key 'therapist.photo': there is no file static/no-such-photo.jpg",
        ),
        (
            "therapist:\n  photo: ../pyproject.toml\n  photo_alt: Me\n",
            "key 'therapist.photo' must be a file name inside static/",
        ),
        (
            "therapist:\n  photo: og-image.png\n",
            "key 'therapist.photo_alt' is missing or empty: describe the photo",
        ),
        ("therapist:\n  licence: LMT\n", "unknown key 'therapist.licence'"),
        (
            "therapist:\n  years_in_practice: many\n",
            "key 'therapist.years_in_practice' must be a whole number",
        ),
        ("services:\n  - minutes: 60\n", "key 'services[0].name' is missing or empty"),
        (
            "services:\n  - name: Massage\n    price: $90\n",
            "key 'services[0].price' must be a number, like 90 or 92.50",
        ),
        ("currency: dollars\n", "key 'currency' must be a currency code"),
        (
            "hours:\n  - days: Someday\n    opens: '09:00'\n    closes: '17:00'\n",
            "key 'hours[0].days' names no day of the week: 'Someday'",
        ),
        (
            "hours:\n  - days: Monday\n    opens: 9:00\n    closes: '17:00'\n",
            "key 'hours[0].opens' must be a time in quotes",
        ),
        (
            "hours:\n  - days: Monday\n    opens: '17:00'\n    closes: '09:00'\n",
            "key 'hours[0].closes' must be later than 'opens'",
        ),
        ("policies: [cancel]\n", "'policies' must be a set of keys and values"),
        (
            "offers:\n  - swedish\n  - reiki\n",
            "key 'offers[1]' names no technique: 'reiki'; the techniques are "
            "deep-tissue, myofascial-release, trigger-point-therapy, swedish, "
            "aromatherapy, hot-stone",
        ),
        ("emergency_number: 911\n", "key 'emergency_number' must be in quotes"),
        (
            "emergency_number: call the doctor\n",
            "key 'emergency_number' must be a short phone number",
        ),
        (
            "emergency_number: '911 or 112 or the number on the fridge'\n",
            "key 'emergency_number' must be a short phone number",
        ),
    ],
)
def test_start_up_refuses_a_bad_file_naming_the_key(
    tmp_path, database_path, text, message
):
    path = write_practice(tmp_path, text)
    with pytest.raises(ContentError) as raised:
        create_app(
            {
                "TESTING": True,
                "DATABASE": str(database_path),
                "PRACTICE_FILE": str(path),
            }
        )
    line = str(raised.value)
    assert "\n" not in line
    assert line.startswith(f"{path}: ")
    assert message in line


def test_a_file_with_the_older_licence_spelling_still_reads(tmp_path):
    text = FILLED_PRACTICE.replace("license_", "licence_")
    assert "licence_type" in text
    practice = load_practice(write_practice(tmp_path, text))
    assert practice.therapist.license == (
        "Licensed Massage Therapist (LMT), license MA-12345"
    )


def test_both_spellings_of_one_key_are_refused(tmp_path):
    text = "therapist:\n  license_type: LMT\n  licence_type: LMT\n"
    with pytest.raises(ContentError) as raised:
        load_practice(write_practice(tmp_path, text))
    assert "key 'therapist.license_type' is given twice" in str(raised.value)


def test_emergency_number_and_offers_default_to_911_and_saying_nothing(tmp_path):
    practice = load_practice(write_practice(tmp_path, "currency: USD\n"))
    assert practice.emergency_number == "911"
    assert practice.offers == ()
    assert practice.offered("hot-stone")


@pytest.mark.parametrize("number", ["112", "999", "000", "+1 (555) 010-0100"])
def test_emergency_number_takes_what_people_dial(tmp_path, number):
    practice = load_practice(write_practice(tmp_path, f"emergency_number: '{number}'"))
    assert practice.emergency_number == number


def test_the_byline_facts_come_from_the_file(tmp_path):
    practice = load_practice(write_practice(tmp_path))
    assert practice.therapist.credential == "LMT"
    assert practice.price_from == "$90"
    assert practice.book_label == "Book a session"
    text = FILLED_PRACTICE.replace("(LMT)", "").replace("price: 90", "price: 140")
    practice = load_practice(write_practice(tmp_path, text + "book_label: Book now"))
    assert practice.therapist.credential == "Licensed Massage Therapist"
    assert practice.price_from == "$132.50"
    assert practice.book_label == "Book now"


def test_no_price_from_without_prices(tmp_path):
    practice = load_practice(write_practice(tmp_path, "services:\n  - name: Swedish\n"))
    assert practice.price_from is None
    assert practice.therapist.credential is None


def test_offers_name_the_techniques_offered(tmp_path):
    text = "offers:\n  - swedish\n  - deep-tissue\n  - swedish\n"
    practice = load_practice(write_practice(tmp_path, text))
    assert practice.offers == ("swedish", "deep-tissue")
    assert practice.offered("swedish")
    assert not practice.offered("hot-stone")


def test_days_read_as_people_write_them(tmp_path):
    text = FILLED_PRACTICE.replace("Monday to Friday", "Tue, Thursday - Saturday")
    practice = load_practice(write_practice(tmp_path, text))
    assert practice.hours[0].days == (1, 3, 4, 5)
    assert practice.hours[0].day_names == "Tuesday, Thursday, Friday, Saturday"


# --- The line under the booking button --------------------------------------------


def booking_note(html):
    """The text of the first booking note in the page."""
    return re.search(r'<p class="booking-note">(.*?)</p>', html).group(1)


def test_booking_note_names_massagebook_for_the_default_url(client):
    html = client.get("/").get_data(as_text=True)
    assert booking_note(html) == (
        "Opens Reach for Serenity's booking page on MassageBook."
    )
    end = html.index('data-placement="article-end"')
    assert end < html.index('class="booking-note"') < html.index("</aside>", end)


def test_booking_platform_setting_overrides_the_host(database_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "BOOKING_PLATFORM": "Our Booking Desk",
        }
    )
    html = app.test_client().get("/").get_data(as_text=True)
    assert booking_note(html) == (
        "Opens Reach for Serenity's booking page on Our Booking Desk."
    )


def test_an_unknown_host_is_named_as_it_is(tmp_path, database_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "BOOKING_URL": "https://www.book.example.org/serenity",
            "PRACTICE_FILE": str(write_practice(tmp_path, "name: Calm & Co\n")),
        }
    )
    html = app.test_client().get("/").get_data(as_text=True)
    assert booking_note(html) == (
        "Opens Calm &amp; Co's booking page on book.example.org."
    )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.massagebook.com/therapists/x", "MassageBook"),
        ("https://www.vagaro.com/x", "Vagaro"),
        ("https://x.schedulicity.com/scheduling/x", "Schedulicity"),
        ("https://squareup.com/appointments/book/x", "Square"),
        ("https://x.square.site/", "Square"),
        ("https://x.janeapp.com/", "Jane"),
        ("https://clients.mindbodyonline.com/x", "Mindbody"),
        ("https://www.fresha.com/a/x", "Fresha"),
        ("https://app.acuityscheduling.com/schedule.php?owner=1", "Acuity Scheduling"),
        ("https://notmassagebook.com/x", "notmassagebook.com"),
        ("not a url", ""),
        ("http://[::1", ""),
    ],
)
def test_platform_names(url, name):
    assert platform_name(url) == name
