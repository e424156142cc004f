"""Security headers, search and sharing metadata, health check, vendored htmx."""

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from webapp import create_app
from webapp.core.db import connect

STATIC = Path(__file__).resolve().parents[1] / "static"


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/robots.txt", "/sitemap.xml", "/no-such-page"]
)
def test_every_response_carries_a_strict_csp(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://massage.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_page_has_no_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True)
    assert " style=" not in html
    assert "<style" not in html
    assert "hx-on" not in html
    # The only <script> without src is JSON-LD data, which browsers never run.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' type="application/ld+json"']


def test_title_description_canonical_and_social_tags(client):
    html = client.get("/", base_url="https://massage.example").get_data(as_text=True)
    assert "<title>What Comes to Mind When You Hear “Massage”? | " in html
    assert '<meta name="description" content="Medical massage' in html
    assert '<link rel="canonical" href="https://massage.example/">' in html
    for tag in ("og:title", "og:description", "og:url", "og:image", "og:type"):
        assert f'property="{tag}"' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert (STATIC / "og-image.png").exists()


def test_structured_data_describes_article_and_business(client):
    html = client.get("/").get_data(as_text=True)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(raw.group(1))
    types = {item["@type"]: item for item in data["@graph"]}
    assert types["Article"]["datePublished"] == "2025-03-18"
    assert types["HealthAndBeautyBusiness"]["potentialAction"]["target"].startswith(
        "https://www.massagebook.com/"
    )


def test_site_url_setting_fixes_the_public_address(database_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(database_path),
            "SITE_URL": "https://serenity.example",
        }
    )
    client = app.test_client()
    html = client.get("/", base_url="http://evil.example").get_data(as_text=True)
    assert '<link rel="canonical" href="https://serenity.example/">' in html
    assert "evil.example" not in html


def test_robots_and_sitemap(client):
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    assert "Disallow: /book" in robots.get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    assert "<loc>http://localhost/</loc>" in sitemap.get_data(as_text=True)


def test_favicon(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon.svg\?v=\w+"', html)


def test_healthz_ok_on_a_usable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"


def test_healthz_503_when_the_database_cannot_be_opened(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "missing-dir" / "data.db")}
    )
    assert app.test_client().get("/healthz").status_code == 503


def test_healthz_503_when_migrations_are_pending(tmp_path):
    path = tmp_path / "fresh.db"
    connect(str(path)).conn.close()
    app = create_app({"TESTING": True, "DATABASE": str(path)})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "migrations pending" in response.get_data(as_text=True)


def test_vendored_htmx_matches_the_recorded_sha384():
    recorded = {}
    for line in (STATIC / "vendor/SHA384SUMS").read_text().splitlines():
        digest, name = line.split()
        recorded[name] = digest
    data = (STATIC / "vendor/htmx-2.0.11.min.js").read_bytes()
    actual = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert recorded["htmx-2.0.11.min.js"] == actual
    assert actual == (
        "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
    )


def test_htmx_is_configured_for_a_strict_csp(client):
    html = client.get("/").get_data(as_text=True)
    raw = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1)
    config = json.loads(raw)
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True
    assert config["historyRestoreAsHxRequest"] is False
    # Reader pages: site.js loads htmx when a widget needs it, from this address.
    htmx = r"/static/vendor/htmx-2.0.11.min.js\?v=\w+"
    assert re.search(
        r'<script src="/static/js/site.js\?v=\w+" defer data-htmx="' + htmx, html
    )
    assert not re.search(r'<script src="' + htmx, html)
    # Owner pages: htmx at once, before site.js.
    login = client.get("/login").get_data(as_text=True)
    eager = re.search(r'<script src="' + htmx + r'" defer></script>', login)
    assert eager and eager.start() < login.index('<script src="/static/js/site.js')


def test_versioned_static_files_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/css/site.css\?v=\w+)"', html).group(1)
    with client.get(css_url) as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
