"""Static asset URLs that carry a hash of the file's content.

The hash changes whenever the file does, so browsers and the proxy can cache
a versioned URL for a year and a deploy never serves a stale stylesheet.
"""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, request, url_for

# A year, the longest lifetime caches honour; only versioned URLs get it.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _file_hash(path, mtime_ns):
    """The first 12 hex digits of the file's SHA-256 (cached per mtime)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename):
    """The URL of a static file, with its content hash as ``?v=``."""
    path = Path(current_app.static_folder) / filename
    stat = path.stat()
    return url_for(
        "static", filename=filename, v=_file_hash(str(path), stat.st_mtime_ns)
    )


def _cache_versioned_assets(response):
    """Let browsers keep a versioned static file for a year."""
    if (
        request.endpoint == "static"
        and request.args.get("v")
        and response.status_code == 200
    ):
        response.cache_control.public = True
        response.cache_control.max_age = IMMUTABLE_MAX_AGE
        response.cache_control.immutable = True
    return response


def init_app(app):
    """Offer ``asset_url`` to templates and cache versioned files."""
    app.add_template_global(asset_url)
    app.after_request(_cache_versioned_assets)
