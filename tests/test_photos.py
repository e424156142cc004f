"""The therapist's photo: Pillow decides, metadata goes, readers get it by hash."""

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image

from webapp.site import photos

from .conftest import make_app


def picture_bytes(kind="JPEG", size=(1200, 900), exif=None, color=(200, 120, 60)):
    """A real picture of ``size`` in ``kind``, with ``exif`` if given."""
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    extra = {"exif": exif} if exif is not None else {}
    image.save(out, kind, **extra)
    return out.getvalue()


def gps_exif(orientation=None):
    """EXIF with GPS coordinates (and an orientation), as a phone writes it."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (42.0, 21.0, 30.0), 3: "W", 4: (71.0, 3.0, 36.0)}
    exif[0x8825] = gps
    if orientation:
        exif[0x0112] = orientation
    return exif


def png_header_claiming(width, height):
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def test_a_jpeg_with_gps_is_stored_without_any_metadata_and_shrunk(db):
    source = picture_bytes(exif=gps_exif())
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # GPS given
    name = photos.store_photo(db, source)
    digest = photos.stored_hash(name)
    stored = photos.photo_bytes(db, digest)
    assert hashlib.sha256(stored).hexdigest() == digest
    image = Image.open(io.BytesIO(stored))
    assert image.format == "WEBP"
    assert image.size == (800, 600)
    assert not image.getexif()
    assert "exif" not in image.info and "xmp" not in image.info
    assert b"PhoneMaker" not in stored and b"GPS" not in stored


def test_a_sideways_phone_photo_is_turned_upright(db):
    # Orientation 6: the camera held on its side; the stored one is portrait.
    name = photos.store_photo(db, picture_bytes(size=(1200, 900), exif=gps_exif(6)))
    stored = photos.photo_bytes(db, photos.stored_hash(name))
    assert Image.open(io.BytesIO(stored)).size == (800, 1067)


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_are_taken(db, kind):
    name = photos.store_photo(db, picture_bytes(kind, size=(300, 200)))
    assert photos.stored_hash(name)


def test_the_same_picture_twice_is_one_row(db):
    data = picture_bytes("PNG", size=(50, 50))
    assert photos.store_photo(db, data) == photos.store_photo(db, data)
    assert db["content_photos"].count == 1


@pytest.mark.parametrize(
    "data, words",
    [
        (b"<?php system($_GET['c']); ?>", "not a photo we can use"),
        (picture_bytes("GIF", size=(20, 20)), "not a photo we can use"),
        (picture_bytes("BMP", size=(20, 20)), "not a photo we can use"),
        (png_header_claiming(20_000, 20_000), "at most 6,000 pixels a side"),
        (png_header_claiming(7000, 10), "at most 6,000 pixels a side"),
        (b"\xff\xd8" + b"0" * (8 * 1024 * 1024), "at most 8 MB"),
        (picture_bytes()[:1000], "could not be read"),
    ],
    ids=["php", "gif", "bmp", "bomb", "wide", "too-big", "cut-short"],
)
def test_what_is_not_a_usable_photo_is_refused_and_not_stored(db, data, words):
    with pytest.raises(photos.PhotoError, match=words) as refusal:
        photos.store_photo(db, data)
    assert "php" not in str(refusal.value).lower()
    assert db["content_photos"].count == 0


def test_readers_get_a_stored_photo_by_its_hash_with_a_year_long_cache(
    database_path, db
):
    name = photos.store_photo(db, picture_bytes("PNG", size=(40, 40)))
    digest = photos.stored_hash(name)
    client = make_app(database_path).test_client()
    response = client.get(f"/photos/{digest}.webp")
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["Cache-Control"] == ("public, max-age=31536000, immutable")
    assert hashlib.sha256(response.data).hexdigest() == digest


@pytest.mark.parametrize("path", ["/photos/" + "0" * 64 + ".webp", "/photos/abc.webp"])
def test_an_unknown_photo_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_practice_may_name_a_stored_photo_but_not_a_made_up_one(db):
    from webapp.site.practice import Therapist

    name = photos.store_photo(db, picture_bytes("PNG", size=(40, 40)))
    therapist = Therapist(photo=name, photo_alt="Jordan, smiling")
    assert therapist.photo == name
    with pytest.raises(ValueError, match="names no stored photo"):
        Therapist(photo="stored:nothing", photo_alt="Jordan")
