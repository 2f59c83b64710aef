"""Photos of a fault: checked from their content, not their name, and kept out of public media.

A file is accepted only if Pillow reads it as a JPEG or PNG image and it is no larger than
10 MB. The stored name is generated (the person's file name is kept only as a label), and
photos are served through a view that checks the fault's scope, never from a public URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from facilities.models import Fault, FaultPhoto, User

MAX_BYTES = 10 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
#: Pillow's format name → the content type we store and serve, and the stored extension.
FORMATS: dict[str, tuple[str, str]] = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
ACCEPT = ",".join(content_type for content_type, _ in FORMATS.values())


class PhotoError(ValueError):
    """A file that is not a photo we accept; the message says which file and why."""


def check_photo(upload: UploadedFile) -> str:
    """The photo's content type, read from its bytes; PhotoError if it is not acceptable."""
    name = upload.name or "The selected file"
    if upload.size is not None and upload.size > MAX_BYTES:
        raise PhotoError(f"{name} must be smaller than {MAX_MEGABYTES} MB")
    if not upload.size:
        raise PhotoError(f"{name} is empty")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()  # reads the structure, not just the header: truncated files fail
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError(f"{name} must be a JPEG or PNG photo") from None
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise PhotoError(f"{name} must be a JPEG or PNG photo")
    return FORMATS[kind][0]


def attach_photos(
    *, fault: Fault, uploads: Iterable[UploadedFile], uploaded_by: User, now: datetime
) -> list[FaultPhoto]:
    """Save checked photos against a fault (inside the caller's transaction)."""
    saved: list[FaultPhoto] = []
    try:
        for upload in uploads:
            content_type = check_photo(upload)
            extension = next(ext for kind, ext in FORMATS.values() if kind == content_type)
            photo = FaultPhoto(
                fault=fault,
                content_type=content_type,
                original_name=(upload.name or "")[-200:],
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            photo.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
            saved.append(photo)
            photo.save()
    except Exception:
        # The caller's transaction rolls the rows back; take the files written so far with it.
        for photo in saved:
            photo.image.delete(save=False)
        raise
    return saved
