"""Who changed which reference data, and when: django-simple-history on every model whose
changes decide what a contractor owes or who is told (README "Audit of reference data").

Each save (and each change of a listed many-to-many) writes a historical row with the time,
the person (the admin's request user, through `HistoryRequestMiddleware`) and the values;
the admin shows them under each object's *History*. Passwords and sign-in times are not
kept, and signing in (which saves `last_login`) writes no row.
"""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from simple_history import register

from .contracts import Contract, Contractor, ServiceLevel
from .faults import Category
from .notifications import EscalationStep
from .premises import Premises, Region
from .users import User

register(Contract, app="facilities", m2m_fields=["regions", "premises", "categories"])
register(ServiceLevel, app="facilities")
register(EscalationStep, app="facilities")
register(Contractor, app="facilities")  # its helpdesk and account manager: escalation contacts
register(Category, app="facilities")
register(Premises, app="facilities")
register(Region, app="facilities")  # its on-call number for P1 text messages
register(
    User,
    app="facilities",
    excluded_fields=["password", "last_login"],
    m2m_fields=["premises", "regions"],
)

AUDITED = (Contract, ServiceLevel, EscalationStep, Contractor, Category, Premises, Region, User)


@receiver(pre_save, sender=User, dispatch_uid="audit-skip-sign-in")
def _skip_sign_in(sender, instance: User, update_fields=None, **kwargs) -> None:
    """Signing in saves only `last_login`: not a change of anyone's role or scope."""
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        instance.skip_history_when_saving = True


@receiver(post_save, sender=User, dispatch_uid="audit-skip-sign-in-done")
def _skip_sign_in_done(sender, instance: User, **kwargs) -> None:
    instance.__dict__.pop("skip_history_when_saving", None)
