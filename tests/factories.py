"""Factories for portal-level records shared by every app's tests."""

import contextlib
import datetime as dt
import random
import threading

import factory

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


def ids_ending(tail: str, regions: list[str], start_year: int = 1960) -> list[str]:
    """One valid ID number per region, all ending with `tail` (three order digits and the check character)."""
    out = []
    for region in regions:
        day = dt.date(start_year, 1, 1)
        while True:
            number = make(f"{region}{day:%Y%m%d}{tail[:3]}")
            if number.endswith(tail) and number not in out:
                out.append(number)
                break
            day += dt.timedelta(days=1)
    return out


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
    """A new API token for `user` (portal.tokens: hashed, expiring), as the token endpoint would give."""
    from portal.tokens import issue

    return issue(user)[0]


def totp_code(user_or_secret, *, fresh: bool = True) -> str:
    """The current 6-digit TOTP code of a user's device (or of a base32 secret), computed with django-otp's
    own RFC 6238 function. A code is good once: with `fresh`, a device that has just accepted this step's
    code forgets it (tests that sign in twice within 30 s)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.twofactor import parse_base32

    if isinstance(user_or_secret, str):
        key = parse_base32(user_or_secret)
    else:
        device = TOTPDevice.objects.get(user=user_or_secret, confirmed=True)
        if fresh:
            TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                           throttling_failure_timestamp=None)
        key = device.bin_key
    return f"{totp(key):06d}"


def wrong_totp_code(secret: str) -> str:
    """A 6-digit code that no step from three before now to three after now accepts for this base32 secret, so
    a test's "wrong code" cannot be right by chance, whatever step the server's clock has reached."""
    from django_otp.oath import totp

    from portal.twofactor import parse_base32

    key = parse_base32(secret)
    near = {totp(key, step=30, t0=0, drift=offset) for offset in range(-3, 4)}
    return next(f"{code:06d}" for code in range(1000000) if code not in near)


def verify_session(client, user) -> None:
    """Mark `client`'s session as having passed the second factor with `user`'s TOTP device (made for the
    test when the user has none), as if the code had been typed. Only for users who need one."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal import twofactor

    if not twofactor.required_for(user) and not twofactor.has_device(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=twofactor.TOTP_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def plain_id(person) -> str:
    """A person's full ID number as a user would type it: the value held in memory, or (for a record read
    back from the database, where it is encrypted) decrypted for the test."""
    from portal import pii

    value = person.__dict__.get("id_number")
    if isinstance(value, str):
        return value
    return pii.decrypt(pii.ID, person.id_number_enc)


@contextlib.contextmanager
def audit_chain_held(region: str, actor=None):
    """A transaction in another thread that has written an audit event of `region` (so holds its province's
    chain) and commits it when the block ends; yields the event. For tests of writers that must wait."""
    from django.db import connections, transaction

    from portal.services import audit

    holding, release, got = threading.Event(), threading.Event(), {}

    def hold():
        try:
            with transaction.atomic():
                got["event"] = audit(actor=actor, action="test.change", object_type="x", object_id=1,
                                     region_code=region, after={"amount": 1})
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        yield got["event"]
    finally:
        release.set()
        holder.join(30)


def in_thread(fn) -> threading.Thread:
    """Run `fn` in a started thread whose database connections close when it ends."""
    from django.db import connections

    def run():
        try:
            fn()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
