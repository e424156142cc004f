"""The therapist's photo as the owner uploads it: checked, cleaned, kept in SQLite.

Pillow decides what a file is (never its name): JPEG, PNG or WebP only, at
most ``MAX_BYTES`` and ``MAX_SIDE`` pixels a side, its size read from the
header before anything is decoded (a decompression bomb is refused unread).
The picture is turned upright, shrunk to ``MAX_WIDTH`` and re-encoded as
WebP without any metadata (EXIF, GPS, ICC, comments), then stored in
``content_photos`` by the SHA-256 of what is served, so backups and restores
carry it. ``practice.yaml`` names it as ``stored:<hash>``; readers get it
from ``/photos/<hash>.webp`` with a year-long, immutable cache.
"""

import datetime
import hashlib
import io
import re
import warnings

from flask import Blueprint, abort, make_response, url_for
from PIL import Image, ImageOps, UnidentifiedImageError

from ..core.assets import asset_url
from ..core.db import get_db

TABLE = "content_photos"
MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 6000
MAX_WIDTH = 800
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# How practice.yaml names a stored photo (the therapist's ``photo`` key).
STORED_PREFIX = "stored:"
STORED_NAME = re.compile(r"^stored:([0-9a-f]{64})$")
YEAR = 365 * 24 * 3600

bp = Blueprint("photos", __name__)


class PhotoError(ValueError):
    """An upload refused, in words for the owner (never the file's own bytes)."""


def stored_hash(name):
    """The hash in a ``stored:<hash>`` photo name, or None for any other name."""
    match = STORED_NAME.match(name or "")
    return match.group(1) if match else None


def _opened(data):
    """``data`` opened by Pillow (header only) if it is a picture we take."""
    if len(data) > MAX_BYTES:
        raise PhotoError(
            f"This photo is {len(data) / 1024 / 1024:.1f} MB: "
            f"at most {MAX_BYTES // 1024 // 1024} MB is taken."
        )
    # Pillow warns, then refuses, past its pixel limit: both are a refusal here.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise PhotoError(_too_large()) from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise PhotoError(
                "This file is not a photo we can use: "
                "choose a JPEG, PNG or WebP picture."
            ) from None
    if max(image.size) > MAX_SIDE:
        raise PhotoError(_too_large())
    return image


def _too_large():
    """The refusal for a picture with too many pixels."""
    return f"This photo is too large: at most {MAX_SIDE:,} pixels a side is taken."


def clean_photo(data):
    """``data`` checked and re-encoded: ``(webp bytes, width, height)``."""
    image = _opened(data)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError(
            "This photo could not be read: it may be damaged. Try another file."
        ) from None
    mode = (
        "RGBA" if "A" in upright.getbands() or "transparency" in image.info else "RGB"
    )
    picture = upright.convert(mode)
    if picture.width > MAX_WIDTH:
        height = max(1, round(picture.height * MAX_WIDTH / picture.width))
        picture = picture.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image carries no info: Pillow writes no EXIF, XMP or ICC for it.
    picture.info = {}
    picture.save(out, "WEBP", quality=82, method=4)
    return out.getvalue(), picture.width, picture.height


def store_photo(db, data):
    """Check, clean and store an uploaded photo; its ``stored:<hash>`` name."""
    webp, width, height = clean_photo(data)
    digest = hashlib.sha256(webp).hexdigest()
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    db[TABLE].insert(
        {
            "hash": digest,
            "data": webp,
            "width": width,
            "height": height,
            "saved_at": now,
        },
        ignore=True,  # the same picture again is the same row
    )
    return STORED_PREFIX + digest


def photo_bytes(db, digest):
    """The stored WebP of ``digest``, or None."""
    if not db[TABLE].exists():
        return None
    rows = list(db[TABLE].rows_where("hash = ?", [digest], select="data"))
    return rows[0]["data"] if rows else None


def photo_target(name):
    """``(endpoint, values)`` for ``url_for`` of a photo: stored, or a static file."""
    digest = stored_hash(name)
    return (
        ("photos.photo", {"digest": digest})
        if digest
        else ("static", {"filename": name})
    )


def photo_url(name):
    """The URL of a photo ``practice.yaml`` names (a template global)."""
    endpoint, values = photo_target(name)
    return url_for(endpoint, **values) if endpoint != "static" else asset_url(name)


@bp.get("/photos/<string(length=64):digest>.webp")
def photo(digest):
    """A stored photo, from its hash: the same URL is always the same picture."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        abort(404)
    data = photo_bytes(get_db(), digest)
    if data is None:
        abort(404)
    response = make_response(data)
    response.mimetype = "image/webp"
    response.set_etag(digest)
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response


@bp.record_once
def _offer_photo_url(state):
    """Let templates call ``photo_url`` for the therapist's photo."""
    state.app.add_template_global(photo_url)
