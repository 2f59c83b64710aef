"""Photo checks: the type comes from the bytes, not the name, and nothing over 10 MB."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from facilities.faults import photos
from facilities.faults.workflow import fault_log
from facilities.models import FaultPhoto
from tests.factories import category


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


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
def test_attached_photos_get_a_generated_name_and_keep_the_original(
    settings, tmp_path, office_manager, premises, contract
):
    settings.MEDIA_ROOT = tmp_path
    fault = fault_log(
        premises=premises,
        category=category("lifts"),
        location="Lift",
        description="Stuck",
        reported_by=office_manager,
    )
    saved = photos.attach_photos(
        fault=fault,
        uploads=[upload("../../etc/passwd.png", image_bytes("PNG"))],
        uploaded_by=office_manager,
        now=fault.reported_at,
    )
    (photo,) = saved
    assert FaultPhoto.objects.get() == photo
    assert photo.content_type == "image/png"
    assert photo.original_name == "passwd.png"  # Django keeps only the base name
    assert photo.image.name.startswith(f"faults/{fault.pk}/")
    assert photo.image.name.endswith(".png")
    assert ".." not in photo.image.name
    assert (tmp_path / photo.image.name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.django_db
def test_a_failed_attachment_leaves_no_files_behind(
    settings, tmp_path, office_manager, premises, contract
):
    settings.MEDIA_ROOT = tmp_path
    fault = fault_log(
        premises=premises,
        category=category("lifts"),
        location="Lift",
        description="Stuck",
        reported_by=office_manager,
    )
    good = upload("good.png", image_bytes("PNG"))
    bad = upload("bad.jpg", b"not a photo")
    with pytest.raises(photos.PhotoError):
        photos.attach_photos(
            fault=fault, uploads=[good, bad], uploaded_by=office_manager, now=fault.reported_at
        )
    assert not list((tmp_path / "faults").rglob("*.png"))
