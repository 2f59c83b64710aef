"""The categories of fault every deployment starts with (administrators can add more)."""

from django.db import migrations

CATEGORIES = [
    # name, slug, default priority, safety-critical, heating, description
    (
        "Personal alarms",
        "personal-alarms",
        "P1",
        True,
        False,
        "Staff personal attack alarms and their receivers.",
    ),
    (
        "Intruder and fire alarms",
        "intruder-fire-alarms",
        "P1",
        True,
        False,
        "Intruder alarms, fire alarms and detection.",
    ),
    (
        "Locks, doors and access control",
        "locks-doors-access",
        "P1",
        True,
        False,
        "Locks, doors, gates, entry systems and key safes.",
    ),
    ("CCTV", "cctv", "P1", True, False, "Cameras, recorders and monitors."),
    (
        "Heating and hot water",
        "heating-hot-water",
        "P2",
        False,
        True,
        "Boilers, radiators, hot water.",
    ),
    (
        "Approved premises beds",
        "ap-beds",
        "P2",
        False,
        False,
        "Rooms or beds at an approved premises that cannot be used.",
    ),
    (
        "Plumbing and water",
        "plumbing-water",
        "P2",
        False,
        False,
        "Leaks, toilets, drains, water supply.",
    ),
    (
        "Electrical and lighting",
        "electrical-lighting",
        "P3",
        False,
        False,
        "Power, sockets, lighting, emergency lighting.",
    ),
    ("Pest control", "pest-control", "P3", False, False, "Rats, mice, insects, birds."),
    (
        "Building fabric and roof",
        "building-fabric-roof",
        "P3",
        False,
        False,
        "Roofs, windows, walls, floors, ceilings.",
    ),
    ("Lifts", "lifts", "P2", False, False, "Passenger lifts and platform lifts."),
    ("Other", "other", "P4", False, False, "Anything not covered above."),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("facilities", "Category")
    for name, slug, priority, safety, heating, description in CATEGORIES:
        Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "default_priority": priority,
                "safety_critical": safety,
                "is_heating": heating,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
