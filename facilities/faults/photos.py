"""Photos of a fault: checked from their content, made safe to show, kept out of public media.

A file is accepted only if Pillow reads it as a JPEG or PNG image, it is no larger than 10 MB
and it has no more than 40 megapixels. The pixel count is read from the header, before a
single pixel is decoded: a PNG of a few kilobytes can hold a blank picture of a billion pixels
that would take gigabytes to decode here and again in every browser that shows it.

The upload itself is never kept. Two copies are made from its pixels and only they are stored
and served: the display copy (no more than 2,000 px on its longer side), opened from the
fault's page, and the thumbnail (no more than 400 px) shown on it. Both are turned upright
first (the EXIF orientation, so phone photos are not shown sideways), converted to sRGB, and
re-encoded from the pixels alone, so no metadata survives: no EXIF (a phone photo's location
and time), no XMP, no ICC profile, no PNG text. The copies are JPEG (quality 85), except that
a picture which really uses transparency stays PNG: JPEG has none, and flattening it could
hide what was drawn on it. Stored names are generated (the person's file name is kept only as
a label), and the copies are served through views that check the fault's scope.

`attach_photos` is the one way a photo is stored, for the pages and the API alike.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from facilities.models import Fault, FaultPhoto, User

MAX_BYTES = 10 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
MAX_MEGAPIXELS = 40
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000
DISPLAY_SIZE = 2000  # px, the display copy's longer side at most
THUMBNAIL_SIZE = 400  # px, the thumbnail's longer side at most
JPEG_QUALITY = 85
#: Pillow's format name → the content type we accept. MPO is how Pillow names a phone's JPEG
#: that carries extra pictures (a depth map, a preview): the first picture is the photo.
FORMATS: dict[str, str] = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
ACCEPT = "image/jpeg,image/png"
#: The only decoders that ever read an upload's bytes.
DECODERS = ("JPEG", "PNG")
#: The copies' encodings: Pillow's format name → (content type, file extension).
ENCODINGS: dict[str, tuple[str, str]] = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}

# Pillow's own guard, for every image this process opens: a warning above MAX_PIXELS and an
# error at twice that. While a photo is read the warning is an error too (`_opened`); the
# warnings filter is process-wide, so `_opened` also checks the size itself, whatever a
# concurrent thread does to the filter.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_SRGB = ImageCms.createProfile("sRGB")
#: EXIF orientation → the turn that shows the picture upright (as ImageOps.exif_transpose).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class PhotoError(ValueError):
    """A file that is not a photo we accept; the message says which file and why."""


@dataclass(frozen=True)
class Copy:
    """One stored copy of a photo: its encoded bytes and its size in pixels."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Copies:
    """What is stored of a photo: the display copy and the thumbnail, in one encoding."""

    content_type: str
    extension: str
    display: Copy
    thumbnail: Copy


def check_photo(upload: UploadedFile) -> str:
    """The photo's content type, read from its bytes; PhotoError if it is not acceptable.

    Cheap enough for a form's validation: the header and the file's structure are read, the
    pixels are not decoded.
    """
    name = upload.name or "The selected file"
    if upload.size is not None and upload.size > MAX_BYTES:
        raise PhotoError(f"{name} must be smaller than {MAX_MEGABYTES} MB")
    if not upload.size:
        raise PhotoError(f"{name} is empty")
    with _opened(upload, name) as image:
        kind = image.format
        image.verify()  # reads the structure, not just the header: truncated files fail
    return FORMATS[kind or ""]


def problems(uploads: Iterable[UploadedFile]) -> list[str]:
    """What is wrong with each of several photos, in order: the browser form and the API
    both refuse a set of photos with one message per file, so a person fixes them at once."""
    found = []
    for upload in uploads:
        try:
            check_photo(upload)
        except PhotoError as error:
            found.append(str(error))
    return found


def make_copies(source: IO[bytes], name: str = "The selected file") -> Copies:
    """The display copy and the thumbnail of a photo: upright, resized, sRGB, no metadata.

    `source` is an upload or a stored file; the same limits as check_photo apply, so a file
    that cannot be made safe raises PhotoError.
    """
    with _opened(source, name) as image:
        if image.format in ("JPEG", "MPO"):
            # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale: no larger than the display copy
            # needs: for a phone's 12-megapixel photo, 0.39 s instead of 0.63 s, half the memory.
            image.draft(None, _fitted(image.size, DISPLAY_SIZE))
        image.load()
        display, encoding = _display_copy(image)
    thumbnail = _shrunk(display, THUMBNAIL_SIZE)
    content_type, extension = ENCODINGS[encoding]
    return Copies(
        content_type=content_type,
        extension=extension,
        display=Copy(_encoded(display, encoding), *display.size),
        thumbnail=Copy(_encoded(thumbnail, encoding), *thumbnail.size),
    )


def attach_photos(
    *, fault: Fault, uploads: Iterable[UploadedFile], uploaded_by: User, now: datetime
) -> list[FaultPhoto]:
    """Check each upload, make its copies and save them against the fault (inside the
    caller's transaction). PhotoError names the first file that cannot be kept."""
    saved: list[FaultPhoto] = []
    try:
        for upload in uploads:
            check_photo(upload)
            photo = FaultPhoto(
                fault=fault,
                original_name=(upload.name or "")[-200:],
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            saved.append(photo)
            store_copies(photo, make_copies(upload, upload.name or "The selected file"))
            photo.save()
    except Exception:
        # The caller's transaction rolls the rows back; take the files written so far with it.
        for photo in saved:
            photo.display.delete(save=False)
            photo.thumbnail.delete(save=False)
        raise
    return saved


def store_copies(photo: FaultPhoto, copies: Copies) -> None:
    """Write the copies' files under generated names and set the photo's fields (not saved)."""
    stem = uuid.uuid4().hex
    photo.content_type = copies.content_type
    photo.width, photo.height = copies.display.width, copies.display.height
    photo.thumbnail_width = copies.thumbnail.width
    photo.thumbnail_height = copies.thumbnail.height
    photo.display.save(f"{stem}.{copies.extension}", ContentFile(copies.display.data), save=False)
    photo.thumbnail.save(
        f"{stem}-thumbnail.{copies.extension}", ContentFile(copies.thumbnail.data), save=False
    )


# --- Reading and writing pixels ----------------------------------------------------------------


@contextlib.contextmanager
def _opened(source: IO[bytes], name: str) -> Iterator[Image.Image]:
    """The image, opened by the JPEG or PNG decoder only, with its size checked from the header.

    Anything Pillow cannot read (including while the caller reads it) becomes PhotoError."""
    too_large = PhotoError(f"{name} must be smaller than {MAX_MEGAPIXELS} megapixels")
    try:
        source.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=DECODERS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise too_large
                if image.format not in FORMATS:
                    raise PhotoError(f"{name} must be a JPEG or PNG photo")
                yield image
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        if isinstance(error, PhotoError):
            raise
        raise PhotoError(f"{name} must be a JPEG or PNG photo") from None
    finally:
        source.seek(0)


def _display_copy(image: Image.Image) -> tuple[Image.Image, str]:
    """The display copy's pixels and the encoding to store them in: no larger than
    DISPLAY_SIZE, upright, in sRGB, as RGB (JPEG) or, only when a pixel is at least partly
    transparent, RGBA (PNG). It is made smaller first: a large upload is never copied whole,
    except to turn a palette or grey picture into colour so that it resizes smoothly."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    profile = image.info.get("icc_profile")
    turn = _TURNS.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    picture = image
    if image.mode not in ("RGB", "RGBA", "CMYK") or "transparency" in image.info:
        picture = image.convert(mode)
    picture.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), Image.Resampling.LANCZOS)  # in place
    if profile and picture.mode in ("RGB", "RGBA", "CMYK"):
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            # Colours as the camera meant them (a phone's Display P3, say) once the profile
            # is dropped; a profile Pillow cannot use leaves the pixels as they are.
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            picture = ImageCms.profileToProfile(picture, source, _SRGB, outputMode=mode)
    picture = picture.convert(mode)
    if turn is not None:
        picture = picture.transpose(turn)
    if transparent and picture.getchannel("A").getextrema()[0] == 255:
        return picture.convert("RGB"), "JPEG"
    return picture, "PNG" if transparent else "JPEG"


def _fitted(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size within a square of `longest`, keeping the shape (never larger than `size`)."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrunk(image: Image.Image, longest: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return copy


def _encoded(image: Image.Image, encoding: str) -> bytes:
    """The pixels alone, encoded: nothing of the upload's metadata goes with them."""
    image.info = {}
    buffer = io.BytesIO()
    if encoding == "JPEG":
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
