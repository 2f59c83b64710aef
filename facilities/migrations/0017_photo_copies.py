"""Photos are stored as a display copy and a thumbnail, never as the upload (issue 11 item 7).

Each photo stored before this migration is made safe the way a new one is
(facilities.faults.photos.make_copies: upright, at most 2,000 px and 400 px, re-encoded with
no metadata), and its upload is deleted once the migration commits. A photo whose upload is
missing or cannot be made safe (over 40 megapixels, say) keeps no copies: it is listed on the
fault's page with nothing to show, the upload is left where it was, never served, and the
migration logs its path for whoever runs it to review.

Going back, the display copy stands in for the upload (the upload is gone).
"""

import logging
import uuid

import facilities.models.photos
from django.core.files.base import ContentFile
from django.db import migrations, models, transaction

from facilities.faults import photos

log = logging.getLogger("facilities.migrations")


def make_copies_of_uploads(apps, schema_editor):
    FaultPhoto = apps.get_model("facilities", "FaultPhoto")
    storage = FaultPhoto._meta.get_field("image").storage
    made = kept = 0
    for pk in list(FaultPhoto.objects.exclude(image="").values_list("pk", flat=True)):
        photo = FaultPhoto.objects.get(pk=pk)
        upload = photo.image.name
        try:
            with storage.open(upload, "rb") as handle:
                copies = photos.make_copies(handle, photo.original_name or upload)
        except (FileNotFoundError, photos.PhotoError) as error:
            log.warning("Photo %s (%s) has no copies and is not shown: %s", pk, upload, error)
            kept += 1
            continue
        stem = uuid.uuid4().hex
        photo.display.save(
            f"{stem}.{copies.extension}", ContentFile(copies.display.data), save=False
        )
        photo.thumbnail.save(
            f"{stem}-thumbnail.{copies.extension}", ContentFile(copies.thumbnail.data), save=False
        )
        FaultPhoto.objects.filter(pk=pk).update(
            display=photo.display.name,
            thumbnail=photo.thumbnail.name,
            width=copies.display.width,
            height=copies.display.height,
            thumbnail_width=copies.thumbnail.width,
            thumbnail_height=copies.thumbnail.height,
            content_type=copies.content_type,
        )
        transaction.on_commit(
            lambda name=upload: storage.delete(name), using=schema_editor.connection.alias
        )
        made += 1
    if made or kept:
        log.info("Photos: copies made for %s; %s left without copies", made, kept)


def display_copies_stand_in_for_uploads(apps, schema_editor):
    FaultPhoto = apps.get_model("facilities", "FaultPhoto")
    storage = FaultPhoto._meta.get_field("thumbnail").storage
    thumbnails = list(FaultPhoto.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    FaultPhoto.objects.update(image=models.F("display"))
    for name in thumbnails:
        transaction.on_commit(
            lambda name=name: storage.delete(name), using=schema_editor.connection.alias
        )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0014_merge_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="faultphoto",
            name="display",
            field=models.ImageField(blank=True, upload_to=facilities.models.photos.photo_path),
        ),
        migrations.AddField(
            model_name="faultphoto",
            name="thumbnail",
            field=models.ImageField(blank=True, upload_to=facilities.models.photos.photo_path),
        ),
        migrations.AddField(
            model_name="faultphoto",
            name="width",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="faultphoto",
            name="height",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="faultphoto",
            name="thumbnail_width",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="faultphoto",
            name="thumbnail_height",
            field=models.PositiveIntegerField(default=0),
        ),
        # Blank before it goes, so that going back can add it to existing rows.
        migrations.AlterField(
            model_name="faultphoto",
            name="image",
            field=models.ImageField(blank=True, upload_to=facilities.models.photos.photo_path),
        ),
        migrations.RunPython(make_copies_of_uploads, display_copies_stand_in_for_uploads),
        migrations.RemoveField(
            model_name="faultphoto",
            name="image",
        ),
    ]
