"""Photos attached to a fault when it is logged or later.

What is stored is not the upload but two copies made from its pixels
(facilities.faults.photos): the display copy and the thumbnail, without any metadata.
"""

from django.conf import settings
from django.db import models


def photo_path(instance: "FaultPhoto", filename: str) -> str:
    return f"faults/{instance.fault_id}/{filename}"


class FaultPhoto(models.Model):
    fault = models.ForeignKey("facilities.Fault", on_delete=models.PROTECT, related_name="photos")
    # Blank only for a photo stored before copies were made whose upload could not be made
    # safe (migration 0017): it is listed on the fault's page, but there is nothing to show.
    display = models.ImageField(upload_to=photo_path, blank=True)  # ≤ 2,000 px
    thumbnail = models.ImageField(upload_to=photo_path, blank=True)  # ≤ 400 px
    width = models.PositiveIntegerField(default=0)  # the display copy's, in pixels
    height = models.PositiveIntegerField(default=0)
    thumbnail_width = models.PositiveIntegerField(default=0)
    thumbnail_height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=20)  # both copies'
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.display.name
