"""The Django admin: reference data for administrators, and a read-only view of faults.

Reference data (regions, premises, contractors, contracts, categories, users, the escalation
ladder) is edited here; faults, their timeline, escalations, holds, breaches and emails are
only viewed. Each concept has its own module; importing them registers their pages.
"""

from django.contrib import admin

from . import api, audit, faults, notifications, people, reference, webhooks  # noqa: F401  (they register)

admin.site.site_header = "Report a premises repair – administration"
admin.site.site_title = "Report a premises repair – administration"
admin.site.index_title = "Reference data, faults and people"
