"""The site's own address and the booking address, as ``flask check`` sees them.

``FLASK_SITE_URL`` is the site's bare https:// address; ``FLASK_BOOKING_URL``
is another site's page (the booking platform's), never the site's own
``/book`` (whose redirect would loop) nor an example from the docs.
"""

from urllib.parse import urlsplit

from .check_result import Result
from .check_result import fail as _fail
from .settings import EXAMPLE_HOSTS

# What the booking address should be, said with every refusal of it.
BOOKING_FIX = (
    "put your page on your booking platform there "
    "(e.g. https://www.massagebook.com/therapists/YourName)"
)


def check_site_url(config):
    """SITE_URL is empty or the site's own bare https:// address (no www.)."""
    value = config.get("SITE_URL") or ""
    if not value:
        return Result("site address", "not set: taken from each request's Host")
    problem = url_problem(value, https_only=True)
    host = urlsplit(value).hostname if problem is None else None
    if host in EXAMPLE_HOSTS:
        problem = "is still the example: put your own domain there"
    elif host and host.startswith("www."):
        # The shipped Caddyfile serves the domain and redirects www.<domain>
        # to it: a www. address here would be served as www.www.<domain>.
        bare = f"https://{host.removeprefix('www.')}"
        return _fail(
            "site address",
            f"FLASK_SITE_URL {value!r} begins with www.: use the bare domain, "
            f"{bare}; the www. address is redirected to it",
        )
    if problem:
        return _fail(
            "site address",
            f"FLASK_SITE_URL {value!r} {problem} (e.g. https://your-domain.com)",
        )
    return Result("site address", value)


def check_booking_url(config):
    """BOOKING_URL is another site's http(s) page: never our /book, no example."""
    value = config.get("BOOKING_URL") or ""
    problem = url_problem(value, https_only=False, paths=True)
    host = urlsplit(value).hostname if problem is None else None
    if isinstance(value, str) and value.startswith("/"):
        problem = "is an address on this site, not the booking platform's page"
    elif host in EXAMPLE_HOSTS:
        problem = "is still the example"
    elif host and _same_site(host, config.get("SITE_URL")):
        problem = (
            "is this site's own address: /book redirects there, so readers "
            "would go round in a circle"
        )
    if problem:
        return _fail(
            "booking address", f"FLASK_BOOKING_URL {value!r} {problem}: {BOOKING_FIX}"
        )
    return Result("booking address", value)


def _same_site(host, site_url):
    """True when ``host`` is SITE_URL's host, with or without www."""
    site_host = urlsplit(site_url).hostname if isinstance(site_url, str) else None
    if not site_host:
        return False
    return host.removeprefix("www.") == site_host.removeprefix("www.")


def url_problem(value, *, https_only, paths=False):
    """Why ``value`` is not an absolute web address (None if it is one)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    schemes = ("https",) if https_only else ("http", "https")
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        return f"is not an absolute {' or '.join(f'{s}://' for s in schemes)} address"
    if any(c.isspace() for c in value):
        return "contains spaces"
    if not paths and (parts.path not in ("", "/") or parts.query or parts.fragment):
        return "must be the bare address, without a path"
    return None
