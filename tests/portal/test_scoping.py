import pytest

from portal.models import AuditEvent, Person, Region, Role
from portal.scoping import region_in_scope, restrict
from portal.selectors import region_descendants
from portal.services import audit, verify_audit_chain


@pytest.mark.django_db
def test_descendants_of_a_city_are_its_counties_only():
    codes = set(region_descendants("610100").values_list("code", flat=True))
    assert "610112" in codes and "610100" in codes
    assert "610200" not in codes and "120101" not in codes


@pytest.mark.django_db
def test_region_in_scope(make_user):
    xian = make_user(Role.CASEWORKER, "610100")
    assert region_in_scope(xian, "610112")
    assert not region_in_scope(xian, "610202")
    assert not region_in_scope(xian, "120101")
    officer = make_user(Role.INSURANCE_OFFICER, None, username="nation")
    assert region_in_scope(officer, "120101")


@pytest.mark.django_db
def test_restrict_denies_models_without_scope(make_user):
    # Person has no scope declaration: a caseworker reaches people only through app models.
    make_user(Role.CASEWORKER, "610100")
    caseworker = make_user(Role.CASEWORKER, "610100", username="cw2")
    assert restrict(Person.objects.all(), caseworker).query.is_empty()
    admin = make_user(Role.ADMIN, None, username="adm")
    assert restrict(Region.objects.all(), admin).count() == Region.objects.count()


@pytest.mark.django_db
def test_audit_chain_detects_an_edited_row(caseworker):
    for i in range(3):
        audit(actor=caseworker, action="test.change", object_type="x", object_id=i, after={"amount": i})
    assert verify_audit_chain() == []
    row = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=row.pk).update(after={"amount": 999})
    assert verify_audit_chain() == [row.pk]


@pytest.mark.django_db
def test_audit_chain_detects_a_deleted_row(caseworker):
    for i in range(3):
        audit(actor=caseworker, action="test.change", object_type="x", object_id=i)
    AuditEvent.objects.order_by("id")[1].delete()
    assert len(verify_audit_chain()) == 1
