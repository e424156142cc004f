"""The article page carries all of the owner's text, cleanly rendered."""

import re
from html import unescape

import frontmatter
import pytest

from webapp.site.article import ARTICLE_FILE, load_article
from webapp.site.chooser_safety import (
    ANOTHER_DAY,
    CARE_TODAY,
    PROVIDER_FIRST,
    SAFETY_TIERS,
    TELL_THERAPIST,
)
from webapp.site.content import CONTENT_DIR, ContentError

# The owner's original text, kept byte for byte in the repository.
ORIGINAL = CONTENT_DIR / "original/article.txt"


def page_text(html):
    """The visible words of an HTML page, with tags removed and spaces folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    return " ".join(text.split())


def plain(text):
    """Markdown source reduced to the words a reader sees, quotes made straight."""
    text = re.sub(r"[*_`#]", "", text)
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split())


def sentences(markdown):
    """Every sentence of the article's Markdown source."""
    for line in markdown.splitlines():
        line = re.sub(r"^\s*(?:\d+\.|-)\s+", "", line).strip()
        if not line or line == "---":
            continue
        yield from (s for s in re.split(r"(?<=[.!?])\s+", plain(line)) if s)


def test_every_sentence_of_the_content_file_is_on_the_page(client):
    text = plain(page_text(client.get("/").get_data(as_text=True)))
    post = frontmatter.load(ARTICLE_FILE)
    missing = [s for s in sentences(post.content) if s not in text]
    assert missing == []
    for key in ("title", "health_note"):
        assert plain(" ".join(str(post[key]).split())) in text


def test_content_file_carries_every_sentence_of_the_owners_text():
    source = plain(frontmatter.load(ARTICLE_FILE).content)
    original_lines = ORIGINAL.read_text(encoding="utf-8").splitlines()
    # The first line is the date (front matter "published"), the last the
    # call to action, which every booking button's one label now says.
    missing = [
        sentence
        for line in original_lines[2:-1]
        for sentence in sentences(line)
        if sentence not in source
    ]
    assert missing == []


def test_formatting_artefacts_are_fixed(client):
    html = client.get("/").get_data(as_text=True)
    assert "# # #" not in html
    assert "**" not in page_text(html)
    assert html.count("<h2>") == 4
    assert "<h2>Key Differences Between Medical and Therapeutic Massage</h2>" in html
    assert "<strong>Purpose</strong>" in html
    assert "<em>Medical massage</em>" in html
    # The owner's separators become section breaks, not stray headings or rules.
    assert html.count('class="article__section"') == 5
    assert "<hr" not in html


def test_publication_date_is_a_time_element(client):
    html = client.get("/").get_data(as_text=True)
    assert '<time datetime="2025-03-18">March 18, 2025</time>' in html


def test_booking_call_to_action_and_health_note(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(
        r'<a class="button button--large" href="/book\?from=article-end"', html
    )
    # The button says the practice's one booking label (tests/test_byline.py).
    assert ">Book a session</a>" in html
    assert ">Ready when you are.</p>" in html
    assert "not medical advice" in html
    assert "talk to your healthcare provider before you book" in html


def test_raw_html_in_the_article_is_escaped(tmp_path):
    article = tmp_path / "article.md"
    article.write_text(
        "---\ntitle: T\npublished: 2025-03-18\ndescription: D\ncta: Go\n"
        "health_note: H\n---\nHello <script>alert(1)</script>\n",
        encoding="utf-8",
    )
    html = load_article(article).sections[0].html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("published: 2025-03-18\ndescription: D\ncta: Go\nhealth_note: H", "'title'"),
        ("title: T\npublished: soon\ndescription: D\ncta: Go\nhealth_note: H", "date"),
        ("title: T\npublished: 2025-03-18\ndescription: D\ncta: Go", "'health_note'"),
    ],
)
def test_bad_content_file_names_the_file_and_the_key(tmp_path, front_matter, message):
    article = tmp_path / "article.md"
    article.write_text(f"---\n{front_matter}\n---\nText.\n", encoding="utf-8")
    with pytest.raises(ContentError, match=message) as error:
        load_article(article)
    assert str(article) in str(error.value)


# The health note's words for each of the chooser's safety tiers, and the
# conditions it names with the chooser's answer for each.
NOTE_TIER_WORDS = {
    CARE_TODAY: "get medical care today",
    ANOTHER_DAY: "book another day",
    PROVIDER_FIRST: "talk to your healthcare provider before you book",
    TELL_THERAPIST: "tell your therapist",
}
NOTE_CONDITIONS = {
    "newly swollen": ("today", "limb"),
    "chest pain": ("today", "chest"),
    "a fever": ("today", "fever"),
    "the last two days": ("today", "injury"),
    "pregnant": ("health", "pregnant"),
    "recent surgery": ("health", "surgery"),
    "blood clot": ("health", "blood-clot"),
    "prescription blood thinners": ("health", "blood-thinners"),
    "the last six weeks": ("mention", "older-injury"),
    "varicose veins": ("mention", "varicose-veins"),
    "allergies": ("mention", "allergies"),
    "pain medication": ("today", "pain-medicine"),
}


def test_the_health_note_says_what_the_choosers_tiers_say():
    note = load_article().health_note
    note_sentences = list(sentences(note))
    long = [s for s in note_sentences if len(s.split()) > 25]
    assert long == []
    for condition, (question, answer) in NOTE_CONDITIONS.items():
        said = [s.lower() for s in note_sentences if condition in s]
        assert len(said) == 1, condition
        assert NOTE_TIER_WORDS[SAFETY_TIERS[question][answer]] in said[0], said[0]
