import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.idnumber import make
from portal.models import Person, Role, User


@pytest.mark.django_db
def test_create_portal_user_is_idempotent_and_updates():
    call_command("create_portal_user", "--username", "li", "--password", "pw-123456", "--role", "caseworker", "--region", "610112")
    call_command("create_portal_user", "--username", "li", "--password", "pw-654321", "--role", "approver", "--region", "610100")
    user = User.objects.get(username="li")
    assert User.objects.filter(username="li").count() == 1
    assert user.role == Role.APPROVER and user.region_id == "610100"
    assert user.check_password("pw-654321")


@pytest.mark.django_db
def test_insured_user_is_linked_to_the_registry_by_id_number():
    number = make("61011219850315221")
    call_command("create_portal_user", "--username", "wang", "--password", "pw-123456", "--role", "insured", "--id-number", number)
    user = User.objects.get(username="wang")
    assert user.person.id_number == number
    assert Person.objects.filter(id_number=number).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["--role", "caseworker", "--region", "999999"],
        ["--role", "caseworker"],
        ["--role", "insured", "--id-number", "610112198503152210"],
        ["--role", "institution"],
    ],
)
def test_create_portal_user_refuses_bad_input(args):
    with pytest.raises(CommandError):
        call_command("create_portal_user", "--username", "x", "--password", "pw-123456", *args)
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_verify_audit_chain_command(caseworker):
    call_command("create_portal_user", "--username", "a1", "--password", "pw-123456", "--role", "admin")
    call_command("verify_audit_chain")


@pytest.mark.django_db
def test_seed_demo_on_an_empty_database(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "caseworker" in out and "demo12345" in out
    assert User.objects.filter(role=Role.INSURED).count() >= 2
    assert "月度救助" in out and "2026-01" in out  # standards, a means-tested household, two paid payrolls
    from assistance.models import Batch, MeansTest

    assert Batch.objects.exclude(payroll_month="").filter(status="paid").count() == 2
    assert MeansTest.objects.filter(eligible=False).exists()
