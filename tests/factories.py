"""factory_boy factories shared by the suite. Geometry helpers build councils as squares."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from accounts.models import Council, StaffMembership, User
from places.models import Postcode


def square(lon: float, lat: float, half_deg: float = 0.1) -> MultiPolygon:
    """A square boundary of side 2*half_deg degrees centred on (lon, lat)."""
    return MultiPolygon(
        Polygon.from_bbox((lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)),
        srid=4326,
    )


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Test Council {n}")
    slug = factory.Sequence(lambda n: f"test-council-{n}")
    code = factory.Sequence(lambda n: f"E0{n:07d}")
    boundary = factory.LazyFunction(lambda: square(-1.55, 53.80))
    contact_email = "kith@council.example"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    council = factory.SubFactory(CouncilFactory)
    role = StaffMembership.Role.MODERATOR


class PostcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postcode
        django_get_or_create = ("postcode",)

    postcode = "LS1 1AA"
    location = factory.LazyFunction(lambda: Point(-1.55, 53.80, srid=4326))
