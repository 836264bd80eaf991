"""Personal data at rest (portal/pii.py): ID numbers and phones are encrypted in the database, lookups by
the full number and by its last four still work, uniqueness holds, and reading a full value is audited."""

import base64

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from assistance import selectors as assistance_selectors
from assistance.models import Payment
from portal import pii
from portal.audit_actions import AuditAction
from portal.models import AuditEvent, Person
from portal.selectors import person_by_id_number, persons_by_id_last4
from portal.services import person_get_or_create
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db

NUMBER = id_number_for("610112", seq=4711, birth="19800101")
PHONE = "13912345678"


def _raw_row(table: str, pk: int) -> dict:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        names = [c.name for c in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def _texts(row: dict) -> str:
    return " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row.values())


def test_the_database_row_of_a_person_holds_no_plain_id_number_or_phone():
    person = person_get_or_create(id_number=NUMBER, name="王测试", phone=PHONE)
    row = _raw_row("portal_person", person.pk)
    assert "id_number" not in row and "phone" not in row  # the plain columns are gone
    text = _texts(row)
    assert NUMBER not in text and NUMBER[6:14] not in text  # nor the birth date digits
    assert PHONE not in text
    assert row["id_number_masked"] == f"{NUMBER[:6]}********{NUMBER[14:]}"
    assert row["id_last4"] == NUMBER[-4:]
    assert row["phone_masked"] == "139****5678"
    blob = bytes(row["id_number_enc"])
    assert pii.key_id_of(blob) == pii.current_key_id()
    assert pii.decrypt(pii.ID, blob) == NUMBER


def test_lookups_by_the_full_number_still_work():
    person = person_get_or_create(id_number=NUMBER, name="王测试")
    assert Person.objects.get(id_number=NUMBER).pk == person.pk
    assert Person.objects.get(id_number=NUMBER.lower() if NUMBER[-1] == "X" else f" {NUMBER} ").pk == person.pk
    assert person_by_id_number(NUMBER).pk == person.pk
    assert list(Person.objects.filter(id_number__in=[NUMBER, "x"]).values_list("pk", flat=True)) == [person.pk]
    loaded = Person.objects.get(pk=person.pk)
    assert loaded.id_number == NUMBER  # a loaded value compares by its HMAC
    assert str(loaded.id_number) == loaded.masked_id  # and prints masked
    assert person_get_or_create(id_number=NUMBER).pk == person.pk  # the registry finds, not duplicates
    with pytest.raises(FieldError):
        list(Person.objects.filter(id_number__startswith=NUMBER[:6]))  # no prefix search on an HMAC


def test_the_id_number_stays_unique():
    person_get_or_create(id_number=NUMBER, name="王测试")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(id_number=NUMBER, name="李重复", birth_date="1980-01-01", sex="M")


def test_a_search_by_the_last_four_characters_uses_the_indexed_column(caseworker):
    from tests.assistance import factories as f

    hh = f.household(caseworker, members=2, enrol=False)
    member = hh.members.select_related("person").order_by("id").last()
    last4 = member.person.id_last4
    assert [p.pk for p in persons_by_id_last4(last4)] == [member.person_id]
    qs = assistance_selectors.household_list(caseworker, search=last4)
    assert hh.pk in [h.pk for h in qs]
    where = str(qs.query).split(" WHERE ", 1)[1]
    assert '"id_last4" = ' in where and '"id_number_hmac" = ' not in where
    # a full number is looked up by its HMAC
    full = assistance_selectors.household_list(caseworker, search=str(hh.head.id_number_masked))
    assert list(full) == []  # a masked form finds nothing: it is not a number


def test_reading_a_full_value_goes_through_reveal_and_is_audited(caseworker):
    person = person_get_or_create(id_number=NUMBER, name="王测试", phone=PHONE)
    loaded = Person.objects.get(pk=person.pk)
    before = AuditEvent.objects.filter(action=AuditAction.PII_REVEAL).count()
    assert pii.reveal(loaded, "id_number", actor=caseworker, reason="核对") == NUMBER
    assert pii.reveal(loaded, "phone", actor=caseworker, reason="回访") == PHONE
    events = list(AuditEvent.objects.filter(action=AuditAction.PII_REVEAL).order_by("id"))[before:]
    assert len(events) == 2
    assert events[0].actor_id == caseworker.pk and "核对" in events[0].note and NUMBER not in events[0].note


def test_a_batch_copies_the_ciphertext_without_decrypting(caseworker):
    from tests.assistance import factories as f

    hh = f.household(caseworker, members=1)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    payment = Payment.objects.get(batch=batch)
    head = Person.objects.get(pk=hh.head_id)
    row = _raw_row("assistance_payment", payment.pk)
    assert "id_number" not in row
    assert row["id_number_hmac"] == _raw_row("portal_person", head.pk)["id_number_hmac"]
    assert payment.id_number == head.id_number and payment.masked_id == head.masked_id
    assert pii.decrypt(pii.ID, row["id_number_enc"]) == pii.decrypt(pii.ID, head.id_number_enc)


def test_ciphertexts_are_authenticated_and_bound_to_their_kind():
    blob = pii.encrypt(pii.ID, NUMBER)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(InvalidTag):
        pii.decrypt(pii.ID, tampered)
    with pytest.raises(InvalidTag):
        pii.decrypt(pii.PHONE, blob)  # an ID ciphertext is not a phone
    assert pii.encrypt(pii.ID, NUMBER) != blob  # a fresh nonce each time


def test_rotate_pii_keys_re_encrypts_under_the_new_key_and_still_decrypts(settings, capsys):
    people = [person_get_or_create(id_number=id_number_for("610112", seq=8000 + i), name=f"轮换{i}",
                                   phone=f"1380000{i:04d}") for i in range(7)]
    old = settings.PORTAL_PII_KEYS
    old_id = pii.current_key_id()
    new = "k9:" + base64.b64encode(b"0123456789abcdef").decode()
    settings.PORTAL_PII_KEYS = f"{new},{old}"
    assert pii.current_key_id() == "k9"
    call_command("rotate_pii_keys", chunk=3)
    out = capsys.readouterr().out
    assert "portal_person" in out
    settings.PORTAL_PII_KEYS = new  # the old key can now be dropped
    for p in people:
        row = _raw_row("portal_person", p.pk)
        assert pii.key_id_of(row["id_number_enc"]) == "k9" != old_id
        assert pii.decrypt(pii.ID, row["id_number_enc"]) == p.id_number
        assert pii.decrypt(pii.PHONE, row["phone_enc"]) == p.phone
        assert row["id_number_hmac"] == pii.digest(pii.ID, p.id_number)  # lookups unchanged
    assert Person.objects.get(id_number=people[0].id_number).pk == people[0].pk
    call_command("rotate_pii_keys")  # resumable / idempotent: nothing left to do
    assert "0 rows" in capsys.readouterr().out


def test_the_household_page_shows_a_full_number_only_on_purpose_and_audits_it(caseworker, client, outsider):
    from tests.assistance import factories as f

    hh = f.household(caseworker, members=1, enrol=False)
    member = hh.members.select_related("person").get()
    full = pii.decrypt(pii.ID, member.person.id_number_enc)
    client.force_login(caseworker)
    url = f"/assistance/households/{hh.pk}/"
    page = client.get(url).content.decode()
    assert full not in page and member.person.masked_id in page and "显示完整号码" in page
    before = AuditEvent.objects.filter(action=AuditAction.PII_REVEAL).count()
    page = client.post(url, {"reveal": member.pk}).content.decode()
    assert full in page
    event = AuditEvent.objects.filter(action=AuditAction.PII_REVEAL).latest("id")
    assert AuditEvent.objects.filter(action=AuditAction.PII_REVEAL).count() == before + 1
    assert event.actor_id == caseworker.pk and event.object_id == str(member.person_id)
    client.force_login(outsider)  # out of scope: nothing shown, nothing read
    assert client.post(url, {"reveal": member.pk}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.PII_REVEAL).count() == before + 1
