"""Every page a reader or the owner can reach is valid HTML, in every state.

The W3C Nu HTML checker (``vnu.jar`` from the npm package ``vnu-jar``, run
with Debian's Java) reads every page and every htmx fragment (each wrapped in
a minimal document) in one run, since it is slow to start: a browser meeting
invalid markup guesses, and each browser guesses differently.
"""

import io
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from webapp import create_app
from webapp.site.article import ARTICLE_FILE
from webapp.site.chooser import CHANGE_PARAM
from webapp.site.widget_content import load_widgets

from .conftest import (
    HOSTILE_STRINGS,
    PHONE,
    READER_HEADERS,
    create_migrated_database,
    csrf_token_from,
    log_in,
    store_owner_password,
)
from .practice_data import filled_practice_app
from .servers import need_tool
from .test_articles_pages import DRAFT, SECOND, write_articles

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
WIDGETS = load_widgets()
HOME_EDIT = f"/edit/articles/{ARTICLE_FILE.stem}"  # the home article in the editor
ASPECTS = [aspect.id for aspect in WIDGETS.comparison.aspects]
TECHNIQUES = [technique.id for technique in WIDGETS.techniques.items]
SUBMIT = "=".join(WIDGETS.chooser.submit_param)
# The chooser's answers, as its POST form sends them.
NOTHING_CHECKED = "today=none&health=none&mention=none"
MEDICAL = f"reason=problem&referral=yes&{NOTHING_CHECKED}&goal=relief"
THERAPEUTIC = f"reason=stress&referral=no&{NOTHING_CHECKED}&goal=relax"
# Each safety tier: one answer of each, and two tell-your-therapist answers.
SAFETY_TIERS = (
    "reason=problem&referral=no&today=limb&health=none&mention=skin&goal=relief",
    "reason=stress&referral=no&today=fever&health=none&mention=none&goal=relax",
    "reason=problem&referral=no&today=none&health=pregnant&health=heart"
    "&mention=none&goal=relief",
    "reason=stress&referral=no&today=none&health=none&mention=skin"
    "&mention=allergies&goal=relax",
)
BAD_ANSWERS = "reason=problem&referral=perhaps&goal=move"  # one invalid, some missing
FORM = "application/x-www-form-urlencoded"
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}
# A fragment as the browser meets it: inside a page. htmx takes a fragment's
# own top-level <title> as the page's title, so that one goes in the head.
FRAGMENT_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>{title}</title></head><body>{body}</body></html>"
)
LEADING_TITLE = re.compile(r"\A\s*<title>(.*?)</title>", re.S)


def java_or_skip():
    """The java command; outside CI a machine without Java may skip."""
    java = need_tool("java", "Debian package default-jre-headless")
    if not VNU_JAR.is_file():
        pytest.fail(
            f"{VNU_JAR} is missing: make test installs it (npm ci)", pytrace=False
        )
    return java


class Documents:
    """What the readers and the owner are sent, one file per page or fragment."""

    def __init__(self, folder):
        self.folder = folder
        self.sources = {}  # file name -> what was requested

    def get(self, client, path, status, **kwargs):
        return self.add(client.get(path, **kwargs), f"GET {path}", status)

    def post(self, client, path, body, status, **kwargs):
        response = client.post(path, data=body, content_type=FORM, **kwargs)
        return self.add(response, f"POST {path} {body}", status)

    def add(self, response, source, status):
        assert response.status_code == status, (source, response.status_code)
        assert response.mimetype == "text/html", source
        html = response.get_data(as_text=True)
        if not html.lstrip().lower().startswith("<!doctype html>"):
            title = LEADING_TITLE.match(html)
            if title:
                html = html[title.end() :]
            html = FRAGMENT_PAGE.format(
                title=title.group(1) if title else "fragment", body=html
            )
        name = f"{len(self.sources):03d}-{slug(source)}.html"
        (self.folder / name).write_text(html, encoding="utf-8")
        self.sources[name] = source
        return response


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def run_checker(java, folder):
    """The checker's errors over every file in ``folder``, one run."""
    files = sorted(str(path) for path in folder.glob("*.html"))
    # A short run: the quick compiler alone halves the time; it needs a bigger
    # stack than the 512k the checker asks for.
    jvm = ["-Xss16m", "-XX:TieredStopAtLevel=1"]
    result = subprocess.run(
        [java, *jvm, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # The JSON report goes to standard error; no report at all is a failure too.
    try:
        return json.loads(result.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(
            f"the checker gave no report (exit {result.returncode}):\n"
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}",
            pytrace=False,
        )


def describe(message, sources):
    name = Path(unquote(urlsplit(message.get("url", "")).path)).name
    where = f"{name} ({sources.get(name, '?')}) line {message.get('lastLine', '?')}"
    extract = (message.get("extract") or "").strip().replace("\n", " ")
    return f"{where}: {message['message']}\n    {extract[:160]}"


def collect_reader_pages(docs, client):
    """The article in every widget state, the widgets' fragments, error pages."""
    docs.get(client, "/", 200)
    for aspect in ASPECTS:
        docs.get(client, f"/?aspect={aspect}", 200)
        docs.get(client, f"/widgets/compare/{aspect}", 200, headers=HTMX)
    for technique in TECHNIQUES:
        docs.get(client, f"/?technique={technique}", 200)
        docs.get(client, f"/widgets/techniques/{technique}", 200, headers=HTMX)
    for answers in (MEDICAL, THERAPEUTIC, *SAFETY_TIERS):
        docs.post(client, "/", f"{answers}&{SUBMIT}", 200)
        docs.post(client, "/widgets/chooser", f"{answers}&{SUBMIT}", 200, headers=HTMX)
    # Every widget away from its default at once, campaign carried along.
    docs.post(
        client,
        f"/?aspect={ASPECTS[-1]}&technique={TECHNIQUES[-1]}"
        "&utm_source=news&utm_campaign=spring",
        f"{MEDICAL}&{SUBMIT}",
        200,
    )
    # "Change my answers": the filled-in form back, as a page and a fragment.
    change = "=".join(CHANGE_PARAM)
    docs.post(client, "/", f"{MEDICAL}&{change}", 200)
    docs.post(client, "/widgets/chooser", f"{MEDICAL}&{change}", 200, headers=HTMX)
    # The chooser asks again: nothing answered, or a wrong and a missing answer.
    docs.post(client, "/", SUBMIT, 422)
    docs.post(client, "/", f"{BAD_ANSWERS}&{SUBMIT}", 422)
    docs.post(client, "/widgets/chooser", f"{BAD_ANSWERS}&{SUBMIT}", 422, headers=HTMX)
    docs.post(client, "/widgets/chooser", "", 422, headers=HTMX)
    # Unknown topics and pages.
    docs.get(client, "/?aspect=no-such-aspect", 404)
    docs.get(client, "/widgets/techniques/no-such-technique", 404, headers=HTMX)
    docs.get(client, "/no/such/page", 404)
    # The privacy page (a 404 until it exists: then that page is checked).
    privacy = client.get("/privacy")
    docs.add(privacy, "GET /privacy", privacy.status_code)


def collect_owner_pages(docs, app, client, owner_client):
    """Sign-in in its states and the dashboard, empty and with numbers."""
    docs.get(client, "/login", 200)
    docs.get(client, "/login?next=/stats%3Fperiod%3D30d", 200)
    docs.add(log_in(client, "not the password"), "POST /login (wrong password)", 401)
    docs.add(
        client.post("/login", data={"password": "x"}), "POST /login (no token)", 400
    )
    docs.get(client, "/stats", 401, headers=HTMX)  # the session has ended

    docs.get(owner_client, "/stats", 200)  # nothing counted yet
    seeded = app.test_cli_runner().invoke(
        args=["seed-demo", "--events", "1500", "--days", "40", "--seed", "7"]
    )
    assert seeded.exit_code == 0, seeded.output
    # Odd strings a referrer or a campaign may bring, shown in the tables.
    reader = app.test_client()
    for hostile in HOSTILE_STRINGS:
        with reader.get(
            "/",
            query_string={"utm_source": hostile, "utm_campaign": hostile},
            headers={"User-Agent": PHONE, "Referer": f"https://a.b.example/{hostile}"},
        ) as response:
            response.get_data()
        with reader.get("/book?from=footer", headers=READER_HEADERS) as clicked:
            clicked.get_data()
    for period in ("today", "7d", "month", "last-month", "30d", "90d", "all"):
        docs.get(owner_client, f"/stats?period={period}", 200)
    # The other owner pages, each with the owner's menu: the letter (mail not
    # set up: who to ask, the button turned off) and the bookings page.
    docs.get(owner_client, "/stats/digest", 200)
    docs.get(owner_client, "/stats/bookings", 200)
    docs.get(owner_client, "/stats?from=2020-01-01&to=2020-01-01", 200)
    docs.get(owner_client, "/stats?period=30d", 200, headers=HTMX)
    docs.get(owner_client, "/stats?period=soon", 400)
    docs.get(owner_client, "/stats?from=2025-02-30&to=2025-03-01", 400)
    docs.get(owner_client, "/stats?from=2025-03-09&to=2025-03-01", 400)  # form kept
    docs.get(owner_client, "/stats?from=2025-03-09&to=2025-03-01", 400, headers=HTMX)
    # Signing out with a stale form: "Nothing was changed".
    expired = owner_client.post("/logout", data={"csrf_token": "stale"})
    docs.add(expired, "POST /logout (stale token)", 400)
    # Signed out: the sign-in page says so.
    token = csrf_token_from(expired.get_data(as_text=True))
    signed_out = owner_client.post("/logout", data={"csrf_token": token})
    assert signed_out.status_code == 302
    docs.get(owner_client, "/login", 200)


def collect_editor_pages(docs, owner_client):
    """The editor: the hub, each page as shown, previewed, saved and refused."""
    docs.get(owner_client, "/edit", 200)
    docs.get(owner_client, "/edit/widgets/history", 200)  # nothing saved yet
    page = owner_client.get(HOME_EDIT)
    docs.add(page, f"GET {HOME_EDIT}", 200)
    token = csrf_token_from(page.get_data(as_text=True))
    article = ARTICLE_FILE.read_text(encoding="utf-8")
    typed = {"csrf_token": token, "text": article.replace("title: ", "title: New ")}
    for kind in ("privacy", "widgets", "practice"):
        docs.get(owner_client, f"/edit/{kind}", 200)
    docs.post(owner_client, f"{HOME_EDIT}/preview", typed, 200)
    docs.post(owner_client, f"{HOME_EDIT}/preview", typed, 200, headers=HTMX)
    broken = {**typed, "text": "---\ntitle: [\n---\n"}
    docs.post(owner_client, f"{HOME_EDIT}/preview", broken, 200, headers=HTMX)
    docs.post(owner_client, HOME_EDIT, broken, 422)
    docs.post(owner_client, "/edit/widgets", {**broken, "text": "comparison: ["}, 422)
    saved = owner_client.post(HOME_EDIT, data={**typed, "note": "a new title"})
    assert saved.status_code in (200, 303), saved.status_code
    owner_client.post(HOME_EDIT, data={**typed, "text": article})
    docs.get(owner_client, HOME_EDIT, 200)
    docs.get(owner_client, f"{HOME_EDIT}/history", 200)
    docs.get(owner_client, f"{HOME_EDIT}/diff?from=1&to=2", 200)
    docs.get(owner_client, f"{HOME_EDIT}/diff?from=1&to=1", 200)
    restored = owner_client.post(
        f"{HOME_EDIT}/restore/1", data={"csrf_token": token}, follow_redirects=True
    )
    docs.add(restored, f"POST {HOME_EDIT}/restore/1", 200)
    collect_article_editor_pages(docs, owner_client, token)
    # Your details refused (an opening hour that is no time), and a photo that
    # is not one: each message beside its field.
    bad_hour = {"csrf_token": token, "hours-0-opens": "25:00", "action": "save"}
    docs.post(owner_client, "/edit/practice", bad_hour, 422)
    not_a_photo = owner_client.post(
        "/edit/practice/photo",
        data={
            "csrf_token": token,
            "photo_alt": "Jordan smiling",
            "photo": (io.BytesIO(b"<?php echo 1; ?>"), "me.jpg"),
        },
        content_type="multipart/form-data",
    )
    docs.add(not_a_photo, "POST /edit/practice/photo (not a photo)", 422)


def collect_article_editor_pages(docs, owner_client, token):
    """A new article (refused, then a draft), its buttons' pages, a deleted one."""
    docs.get(owner_client, "/edit/new-article", 200)
    title = {"csrf_token": token, "title": "Gift ideas", "slug": ""}
    docs.post(owner_client, "/edit/new-article/address", title, 200, headers=HTMX)
    docs.post(owner_client, "/edit/new-article", {**title, "slug": "Gift!"}, 422)
    draft = owner_client.post("/edit/new-article", data=title, follow_redirects=True)
    docs.add(draft, "POST /edit/new-article", 200)
    docs.get(owner_client, "/edit", 200)  # a draft among the articles
    docs.post(owner_client, f"{HOME_EDIT}/unpublish", {"csrf_token": token}, 422)
    docs.get(owner_client, "/edit/articles/gift-ideas/delete", 200)
    owner_client.post("/edit/articles/gift-ideas/delete", data={"csrf_token": token})
    docs.get(owner_client, "/edit", 200)  # Deleted articles, to restore
    docs.get(owner_client, "/edit/articles/gift-ideas/history", 200)


def collect_fresh_site_pages(docs, tmp_path):
    """A site with no password yet, and the page of an unexpected error."""
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE": str(create_migrated_database(tmp_path / "fresh.db")),
            "PROPAGATE_EXCEPTIONS": False,
        }
    )

    @fresh.get("/explode")
    def explode():
        raise RuntimeError("an unexpected error")

    client = fresh.test_client()
    docs.get(client, "/login", 200)  # "No owner password has been set yet"
    docs.get(client, "/explode", 500)
    docs.get(client, "/explode", 500, headers=HTMX)
    # The article with every block of content/practice.yaml filled in.
    # With the practice's sessions and phone: the suggestion's session line and
    # the "Questions? Call" prompt of a reader who waits to book.
    filled = filled_practice_app(tmp_path / "practice").test_client()
    docs.get(filled, "/", 200)
    docs.post(filled, "/", f"{MEDICAL}&{SUBMIT}", 200)
    docs.post(filled, "/", f"{SAFETY_TIERS[2]}&{SUBMIT}", 200)


def collect_article_pages(docs, tmp_path):
    """A second article (widgets, chooser, More from), /articles, the owner's draft."""
    folder = write_articles(tmp_path / "articles-content")
    app = filled_practice_app(tmp_path / "articles", CONTENT_DIR=str(folder))
    client = app.test_client()
    page = f"/articles/{SECOND}"
    here = {**HTMX, "HX-Current-URL": f"http://localhost{page}"}
    docs.get(client, page, 200)
    docs.get(client, f"{page}?aspect={ASPECTS[-1]}&technique={TECHNIQUES[-1]}", 200)
    docs.get(
        client, f"/widgets/compare/{ASPECTS[1]}?article={SECOND}", 200, headers=here
    )
    docs.post(client, page, f"{MEDICAL}&{SUBMIT}", 200)
    docs.post(client, page, f"{BAD_ANSWERS}&{SUBMIT}", 422)
    docs.post(
        client,
        f"/widgets/chooser?article={SECOND}",
        f"{MEDICAL}&{SUBMIT}",
        200,
        headers=here,
    )
    docs.get(client, "/", 200)  # its "More from" list
    docs.get(client, "/articles", 200)
    docs.get(client, f"/articles/{DRAFT}", 404)
    store_owner_password(app.config["DATABASE"])
    assert log_in(client).status_code == 302
    docs.get(client, f"/articles/{DRAFT}", 200)  # marked "Draft", the owner's alone


def test_every_page_and_fragment_is_valid_html(app, client, owner_client, tmp_path):
    java = java_or_skip()
    folder = tmp_path / "html"
    folder.mkdir()
    docs = Documents(folder)
    collect_reader_pages(docs, client)
    collect_editor_pages(docs, owner_client)
    collect_owner_pages(docs, app, client, owner_client)
    collect_fresh_site_pages(docs, tmp_path)
    collect_article_pages(docs, tmp_path)

    messages = run_checker(java, folder)

    errors = [describe(m, docs.sources) for m in messages if m["type"] != "info"]
    assert not errors, (
        f"{len(errors)} HTML errors in {len(docs.sources)} documents:\n"
        + "\n".join(errors)
    )
