"""Photos: the type comes from the bytes, nothing over 10 MB or 40 megapixels, and only the
copies made from the pixels are stored and served (upright, resized, with no metadata)."""

import io
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from facilities.faults import photos
from facilities.faults.workflow import fault_log
from facilities.models import ApiToken, FaultPhoto
from tests.factories import category

RED, BLUE = (200, 30, 30), (20, 40, 200)
#: Where a phone photo of the Newcastle office would say it was taken.
LATITUDE, LONGITUDE = (54.0, 58.0, 12.5), (1.0, 36.0, 5.25)


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, RED).save(buffer, format=kind)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def blank_png(width: int, height: int) -> bytes:
    """A black 1-bit PNG written by hand, row by row: megapixels for next to nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = zlib.compress(b"\0" * (1 + (width + 7) // 8) * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def phone_jpeg(size: tuple[int, int] = (300, 200), orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: red left half, blue right half, with the place it was
    taken (GPS EXIF), the maker, an orientation, XMP and an ICC profile."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: LONGITUDE,
    }
    buffer = io.BytesIO()
    image.save(
        buffer,
        format="JPEG",
        quality=95,
        exif=exif,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">exif:GPSLatitude 54,58.2N</x:xmpmeta>',
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def fault(office_manager, premises, contract):
    return fault_log(
        premises=premises,
        category=category("lifts"),
        location="Lift",
        description="Stuck",
        reported_by=office_manager,
    )


def attach(fault, *uploads) -> list[FaultPhoto]:
    return photos.attach_photos(
        fault=fault, uploads=uploads, uploaded_by=fault.reported_by, now=fault.reported_at
    )


def stored(field) -> Image.Image:
    """A stored copy, read back from its file."""
    with field.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    image.load()
    return image


@pytest.mark.parametrize(("kind", "expected"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_real_png_and_jpeg_are_accepted(kind, expected):
    assert photos.check_photo(upload(f"photo.{kind.lower()}", image_bytes(kind))) == expected


def test_type_comes_from_the_content_not_the_name():
    # A PNG called .jpg is a PNG.
    assert photos.check_photo(upload("boiler.jpg", image_bytes("PNG"))) == "image/png"


def test_text_file_named_jpg_is_rejected():
    with pytest.raises(photos.PhotoError, match=r"notes\.jpg must be a JPEG or PNG photo"):
        photos.check_photo(upload("notes.jpg", b"This is not a photo at all.\n"))


def test_other_image_formats_are_rejected():
    with pytest.raises(photos.PhotoError, match="must be a JPEG or PNG photo"):
        photos.check_photo(upload("anim.gif", image_bytes("GIF"), "image/gif"))


def test_truncated_png_is_rejected():
    whole = image_bytes("PNG", (64, 64))
    with pytest.raises(photos.PhotoError, match="must be a JPEG or PNG photo"):
        photos.check_photo(upload("cut.png", whole[: len(whole) // 2]))


def test_photo_over_10_mb_is_rejected():
    big = upload("huge.jpg", image_bytes("JPEG") + b"\0" * photos.MAX_BYTES)
    with pytest.raises(photos.PhotoError, match=r"huge\.jpg must be smaller than 10 MB"):
        photos.check_photo(big)


def test_photo_of_exactly_10_mb_is_allowed():
    jpeg = image_bytes("JPEG")
    exactly = upload("big.jpg", jpeg + b"\0" * (photos.MAX_BYTES - len(jpeg)))
    assert exactly.size == photos.MAX_BYTES
    assert photos.check_photo(exactly) == "image/jpeg"


def test_empty_file_is_rejected():
    with pytest.raises(photos.PhotoError, match="is empty"):
        photos.check_photo(upload("empty.jpg", b""))


def test_check_leaves_the_file_ready_to_save():
    photo = upload("a.png", image_bytes("PNG"))
    photos.check_photo(photo)
    assert photo.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db
def test_a_failed_attachment_leaves_no_files_behind(media, fault):
    good = upload("good.png", image_bytes("PNG"))
    bad = upload("bad.jpg", b"not a photo")
    with pytest.raises(photos.PhotoError):
        attach(fault, good, bad)
    assert not [path for path in media.rglob("*") if path.is_file()]


# --- Too many pixels ---------------------------------------------------------------------------


def test_the_hand_made_png_is_a_real_png_of_that_size():
    with Image.open(io.BytesIO(blank_png(80, 52))) as image:
        image.load()
        assert (image.format, image.size, image.getextrema()) == ("PNG", (80, 52), (0, 0))


def test_a_41_megapixel_photo_is_refused():
    big = upload("plan.png", blank_png(8000, 5200), "image/png")  # 41.6 million pixels
    assert big.size < 100_000  # small on the wire: the pixels are the danger
    with pytest.raises(photos.PhotoError, match=r"^plan\.png must be smaller than 40 megapixels$"):
        photos.check_photo(big)
    with pytest.raises(photos.PhotoError, match="must be smaller than 40 megapixels"):
        photos.make_copies(big, "plan.png")


def test_the_size_is_refused_from_the_header_before_any_pixel_is_decoded():
    # The same header with its pixel data cut off: decoding would fail as a broken file, so
    # the message about the size shows that nothing was decoded.
    whole = blank_png(8000, 5200)
    header_only = upload("cut.png", whole[: whole.index(b"IDAT") + 20], "image/png")
    with pytest.raises(photos.PhotoError, match="must be smaller than 40 megapixels"):
        photos.check_photo(header_only)


def test_a_decompression_bomb_gets_the_same_clear_message():
    # 100 million pixels: past Pillow's own hard limit (twice photos.MAX_PIXELS).
    bomb = upload("bomb.png", blank_png(10_000, 10_000), "image/png")
    assert 2 * Image.MAX_IMAGE_PIXELS < 10_000 * 10_000
    with pytest.raises(photos.PhotoError, match=r"^bomb\.png must be smaller than 40 megapixels$"):
        photos.check_photo(bomb)


def test_exactly_40_megapixels_is_allowed():
    assert photos.check_photo(upload("plan.png", blank_png(8000, 5000), "image/png")) == "image/png"


# --- The copies ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_large_photo_gives_a_2000_px_display_copy_and_a_thumbnail(media, fault):
    (photo,) = attach(fault, upload("wide.jpg", image_bytes("JPEG", (3000, 2000))))
    display, thumbnail = stored(photo.display), stored(photo.thumbnail)
    # 2000 × 2000 × 2/3 = 1333.3; 400 × 2/3 = 266.7.
    assert display.size == (2000, 1333)
    assert thumbnail.size == (400, 267)
    assert (photo.width, photo.height) == display.size
    assert (photo.thumbnail_width, photo.thumbnail_height) == thumbnail.size
    assert (display.format, thumbnail.format, photo.content_type) == ("JPEG", "JPEG", "image/jpeg")


@pytest.mark.django_db
def test_a_tall_photo_is_limited_by_its_height(media, fault):
    (photo,) = attach(fault, upload("tall.png", image_bytes("PNG", (1000, 4000)), "image/png"))
    assert stored(photo.display).size == (500, 2000)
    assert stored(photo.thumbnail).size == (100, 400)


@pytest.mark.django_db
def test_a_small_photo_is_not_enlarged(media, fault):
    (photo,) = attach(fault, upload("small.jpg", image_bytes("JPEG", (300, 200))))
    assert stored(photo.display).size == (300, 200)
    assert stored(photo.thumbnail).size == (300, 200)


@pytest.mark.django_db
def test_the_copies_keep_no_location_nor_any_other_metadata(media, fault):
    sent = phone_jpeg()
    with Image.open(io.BytesIO(sent)) as original:  # the test photo does carry all of it
        gps = original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert gps[ExifTags.GPS.GPSLatitude] == LATITUDE
        assert {"exif", "xmp", "icc_profile"} <= set(original.info)
    (photo,) = attach(fault, upload("boiler.jpg", sent))
    for copy in (photo.display, photo.thumbnail):
        image = stored(copy)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
        with copy.open("rb") as handle:
            data = handle.read()
        for trace in (b"Exif", b"GPS", b"PhoneMaker", b"xmpmeta", b"ICC_PROFILE"):
            assert trace not in data


@pytest.mark.django_db
def test_a_png_kept_as_png_keeps_no_metadata_either(media, fault):
    image = Image.new("RGBA", (40, 30), (*RED, 255))
    image.putpixel((0, 0), (0, 0, 0, 0))  # transparency: it stays a PNG
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N"}
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "GPS 54,58N")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    buffer = io.BytesIO()
    image.save(
        buffer,
        format="PNG",
        exif=exif,
        pnginfo=text,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    with Image.open(io.BytesIO(buffer.getvalue())) as sent:
        assert {"exif", "icc_profile", "Comment", "xmp"} <= set(sent.info)
    (photo,) = attach(fault, upload("sign.png", buffer.getvalue(), "image/png"))
    for copy in (photo.display, photo.thumbnail):
        kept = stored(copy)
        assert kept.format == "PNG"
        assert kept.info == {}
        assert dict(kept.getexif()) == {}


@pytest.mark.django_db
def test_a_photo_taken_sideways_is_stored_upright(media, fault):
    # Orientation 6: the camera's pixels must be turned 90° clockwise to be seen upright,
    # so their left half (red) is the top of the picture.
    (photo,) = attach(fault, upload("side.jpg", phone_jpeg((300, 200), orientation=6)))
    display = stored(photo.display).convert("RGB")
    assert display.size == (200, 300)
    top, bottom = display.getpixel((100, 40)), display.getpixel((100, 260))
    assert all(abs(a - b) < 30 for a, b in zip(top, RED, strict=True)), top
    assert all(abs(a - b) < 30 for a, b in zip(bottom, BLUE, strict=True)), bottom
    assert stored(photo.thumbnail).size == (200, 300)


@pytest.mark.django_db
def test_a_png_with_transparency_stays_a_png_and_an_opaque_one_becomes_a_jpeg(media, fault):
    see_through = Image.new("RGBA", (40, 30), (*RED, 255))
    see_through.putpixel((0, 0), (0, 0, 0, 0))
    opaque = Image.new("RGBA", (40, 30), (*RED, 255))
    sent = []
    for name, image in (("arrow.png", see_through), ("flat.png", opaque)):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        sent.append(upload(name, buffer.getvalue(), "image/png"))
    arrow, flat = attach(fault, *sent)
    assert arrow.content_type == "image/png"
    assert arrow.display.name.endswith(".png")
    assert arrow.thumbnail.name.endswith(".png")
    assert stored(arrow.display).getpixel((0, 0))[3] == 0
    assert flat.content_type == "image/jpeg"
    assert flat.display.name.endswith(".jpg")
    assert stored(flat.display).format == "JPEG"


@pytest.mark.django_db
def test_only_the_copies_are_stored_under_generated_names(media, fault):
    sent = image_bytes("PNG", (64, 48))
    (photo,) = attach(fault, upload("../../etc/passwd.png", sent, "image/png"))
    assert FaultPhoto.objects.get() == photo
    assert photo.original_name == "passwd.png"  # Django keeps only the base name, as a label
    names = {photo.display.name, photo.thumbnail.name}
    assert all(name.startswith(f"faults/{fault.pk}/") and ".." not in name for name in names)
    files = {path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file()}
    assert files == names  # two copies, and nothing else: the upload is not kept
    assert all((media / name).read_bytes() != sent for name in names)


# --- Serving them --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_photo_urls_serve_the_copies_not_the_upload(client, media, fault, office_manager):
    sent = phone_jpeg((2400, 1600))
    (photo,) = attach(fault, upload("boiler.jpg", sent))
    client.force_login(office_manager)
    base = f"/faults/{fault.pk}/photos/{photo.pk}/"
    for url, copy, size in (
        (base, photo.display, (2000, 1333)),
        (f"{base}thumbnail/", photo.thumbnail, (400, 267)),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        served = b"".join(response.streaming_content)
        assert served == (media / copy.name).read_bytes()
        assert served != sent
        assert Image.open(io.BytesIO(served)).size == size
    html = client.get(f"/faults/{fault.pk}/").content.decode()
    # The fault's page shows the thumbnail, linking to the display copy.
    link = re.search(rf'<a class="govuk-link" href="{base}">\s*<img src="([^"]+)"[^>]*>', html)
    assert link, html
    assert link.group(1) == f"{base}thumbnail/"
    assert 'width="400" height="267"' in link.group(0)


@pytest.mark.django_db
def test_an_api_upload_is_stored_the_same_way(media, office_manager, premises, contract):
    from rest_framework.test import APIClient

    _token, raw = ApiToken.issue(office_manager, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(
        "/api/v1/faults/",
        {
            "premises": premises.pk,
            "category": category("lifts").pk,
            "location": "Lift",
            "description": "Stuck between floors",
            "photos": [upload("lift.jpg", phone_jpeg((3000, 2000)))],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (photo,) = FaultPhoto.objects.filter(fault_id=response.json()["id"])
    display = stored(photo.display)
    assert display.size == (2000, 1333)
    assert dict(display.getexif()) == {}
    assert "icc_profile" not in display.info
    refused = client.post(
        "/api/v1/faults/",
        {
            "premises": premises.pk,
            "category": category("lifts").pk,
            "location": "Lift",
            "description": "Stuck",
            "photos": [upload("plan.png", blank_png(8000, 5200), "image/png")],
        },
        format="multipart",
    )
    assert refused.status_code == 400
    assert "plan.png must be smaller than 40 megapixels" in refused.content.decode()
