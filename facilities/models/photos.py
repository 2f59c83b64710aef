"""Photos attached to a fault when it is logged or later."""

from django.conf import settings
from django.db import models


def photo_path(instance: "FaultPhoto", filename: str) -> str:
    return f"faults/{instance.fault_id}/{filename}"


class FaultPhoto(models.Model):
    fault = models.ForeignKey("facilities.Fault", on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    content_type = models.CharField(max_length=20)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.image.name
