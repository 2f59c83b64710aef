"""Logging a fault through the API with photos (multipart/form-data), checked as the browser
form checks them (`facilities.faults.photos`), saved with the fault or not at all."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import ValidationError
from PIL import Image

from facilities.models import Fault, FaultPhoto
from facilities.web.forms import PhotosField
from tests.factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def picture(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


ADD_AGAIN = ". Add the photos again"


def browser_form_error(name: str, content: bytes) -> str:
    """What the log-a-fault page's photos field says about this file."""
    with pytest.raises(ValidationError) as refused:
        PhotosField().clean([SimpleUploadedFile(name, content, content_type="image/jpeg")])
    (message,) = refused.value.messages
    return message


def body(estate, **extra) -> dict:
    return {
        "premises": estate.heating.premises_id,
        "category": category("plumbing-water").pk,
        "location": "Kitchen",
        "description": "Leak under the sink",
        **extra,
    }


def test_photos_are_saved_with_the_fault(api_as, estate):
    files = [
        SimpleUploadedFile("sink.jpg", picture("JPEG"), content_type="image/jpeg"),
        SimpleUploadedFile("pipe.png", picture("PNG"), content_type="image/png"),
    ]
    response = api_as("office_manager").post(
        "/api/v1/faults/", body(estate, photos=files), format="multipart"
    )
    assert response.status_code == 201, response.json()
    fault = Fault.objects.get(pk=response.json()["id"])
    saved = FaultPhoto.objects.filter(fault=fault).order_by("pk")
    assert [p.original_name for p in saved] == ["sink.jpg", "pipe.png"]
    assert all(p.uploaded_by.username == "olivia" for p in saved)


def test_a_fault_without_photos_is_logged_as_multipart_too(api_as, estate):
    response = api_as("office_manager").post("/api/v1/faults/", body(estate), format="multipart")
    assert response.status_code == 201, response.json()
    assert not FaultPhoto.objects.filter(fault_id=response.json()["id"]).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.jpg", b"not a picture at all"),
        ("empty.png", b""),
        ("drawing.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ],
)
def test_a_bad_file_is_a_400_naming_photos_and_nothing_is_saved(api_as, estate, name, content):
    good = SimpleUploadedFile("good.png", picture(), content_type="image/png")
    bad = SimpleUploadedFile(name, content, content_type="image/jpeg")
    faults, kept = Fault.objects.count(), FaultPhoto.objects.count()

    response = api_as("office_manager").post(
        "/api/v1/faults/", body(estate, photos=[good, bad]), format="multipart"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert list(errors) == ["photos"]
    # The very words the browser form gives for the same file (without its "add again").
    assert errors["photos"] == [browser_form_error(name, content).removesuffix(ADD_AGAIN)]
    assert name in errors["photos"][0]
    assert Fault.objects.count() == faults
    assert FaultPhoto.objects.count() == kept


def test_files_in_json_are_refused(api_as, estate):
    response = api_as("office_manager").post(
        "/api/v1/faults/", body(estate, photos=["aGVsbG8="]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "photos": ["Send photos as files in a multipart/form-data request."]
    }


def test_a_retry_with_the_same_key_and_photos_logs_one_fault(api_as, estate):
    client = api_as("office_manager")

    def send():
        files = [SimpleUploadedFile("sink.png", picture(), content_type="image/png")]
        return client.post(
            "/api/v1/faults/",
            body(estate, photos=files),
            format="multipart",
            headers={"Idempotency-Key": "log-sink-1"},
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert FaultPhoto.objects.filter(fault_id=first.json()["id"]).count() == 1
    # Another photo under the same key is another request: refused, not replayed.
    other = client.post(
        "/api/v1/faults/",
        body(estate, photos=[SimpleUploadedFile("b.png", picture(size=(9, 9)))]),
        format="multipart",
        headers={"Idempotency-Key": "log-sink-1"},
    )
    assert other.status_code == 422
