"""factory_boy factories for the standard people and things of every test."""

from datetime import date

import factory

from facilities.models import (
    Category,
    Contract,
    Contractor,
    Premises,
    PremisesKind,
    Region,
    Role,
    ServiceLevel,
    User,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class PremisesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Premises

    name = factory.Sequence(lambda n: f"Probation office {n}")
    code = factory.Sequence(lambda n: f"office-{n}")
    kind = PremisesKind.OFFICE
    region = factory.SubFactory(RegionFactory)
    nation = "england"
    address = "1 High Street"
    postcode = "AB1 2CD"
    bed_capacity = None


class ApprovedPremisesFactory(PremisesFactory):
    name = factory.Sequence(lambda n: f"Approved premises {n}")
    code = factory.Sequence(lambda n: f"ap-{n}")
    kind = PremisesKind.APPROVED_PREMISES
    bed_capacity = 24


class ContractorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contractor

    name = factory.Sequence(lambda n: f"Facilities Co {n}")
    helpdesk_email = factory.Sequence(lambda n: f"helpdesk{n}@contractor.example")
    account_manager_name = "Alex Account"
    account_manager_email = factory.Sequence(lambda n: f"account{n}@contractor.example")


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract covering the given regions/premises (pass them) for every category."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    contractor = factory.SubFactory(ContractorFactory)
    reference = factory.Sequence(lambda n: f"MOJ-FM-{n:03d}")
    name = "Facilities management"
    valid_from = date(2020, 1, 1)
    valid_to = None

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def premises(self, create, extracted, **kwargs):
        if create and extracted:
            self.premises.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


class ServiceLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceLevel

    contract = factory.SubFactory(ContractFactory)
    priority = "P1"
    attend_minutes = 60
    make_safe_minutes = 240
    fix_minutes = 720
    clock = "calendar"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.Sequence(lambda n: f"user{n}@justice.example")
    role = Role.OFFICE_MANAGER
    password = factory.django.Password("correct-horse-battery")

    class Params:
        #: A national contract manager: sees every region (`User.is_national`).
        national = factory.Trait(role=Role.CONTRACT_MANAGER, is_national=True)

    @factory.post_generation
    def premises(self, create, extracted, **kwargs):
        if create and extracted:
            self.premises.set(extracted)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


def category(slug: str) -> Category:
    """One of the categories the migration seeds."""
    return Category.objects.get(slug=slug)
