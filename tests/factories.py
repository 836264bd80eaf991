"""Factories for portal-level records shared by every app's tests."""

import random

import factory
from rest_framework.authtoken.models import Token

from portal.idnumber import make
from portal.models import Person, Role, User
from portal.services import name_to_pinyin

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def id_number_for(region: str = "610112", seq: int | None = None, birth: str | None = None) -> str:
    """A valid resident ID number in `region`; distinct for distinct `seq`."""
    rnd = random.Random(seq)
    if birth is None:
        birth = f"{rnd.randint(1940, 2005)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
    order = f"{(seq if seq is not None else rnd.randint(0, 999)) % 1000:03d}"
    return make(f"{region}{birth}{order}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("id_number",)

    class Params:
        region = "610112"

    id_number = factory.LazyAttributeSequence(lambda o, n: id_number_for(o.region, seq=n, birth=f"19{60 + n % 40:02d}0{1 + n % 9}1{n % 9}"))
    name = factory.Sequence(lambda n: SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 3) % len(GIVEN)])
    name_pinyin = factory.LazyAttribute(lambda o: name_to_pinyin(o.name))
    birth_date = factory.LazyAttribute(lambda o: __import__("portal.idnumber", fromlist=["x"]).birth_date(o.id_number))
    sex = factory.LazyAttribute(lambda o: __import__("portal.idnumber", fromlist=["x"]).sex(o.id_number))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CASEWORKER
    region_id = "610100"
    password = factory.PostGenerationMethodCall("set_password", "pass12345!")

    @factory.post_generation
    def finish(obj, create, extracted, **kwargs):
        if create:
            if obj.role == Role.ADMIN:
                obj.is_staff = obj.is_superuser = True
            obj.save()


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key
