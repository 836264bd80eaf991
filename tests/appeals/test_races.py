"""Two people at once: one answer per sampled payment, one draw per batch, one open appeal per decision."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from appeals import services
from appeals.models import Appeal, VerificationCheck, VerificationRound
from casework.models import DiscoveryTask
from portal.models import AuditEvent, Role
from tests.assistance import factories as af

from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    """Run the calls at the same moment in threads; returns (results, ValidationErrors, other errors)."""
    results, refused, errors = [], [], []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, refused, errors


def test_two_answers_and_two_draws_at_once_count_once(caseworker, approver):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    af.household(caseworker, members=2)
    batch = af.built_batch(caseworker, af.scheme(caseworker))
    f.pay(batch, approver)
    batch.refresh_from_db()
    other = f.staff(Role.CASEWORKER)
    results, refused, errors = _race(lambda: services.verification_draw(batch=batch, actor=caseworker),
                                     lambda: services.verification_draw(batch=batch, actor=other))
    assert not errors and len(results) == 1 and len(refused) == 1
    assert VerificationRound.objects.count() == 1
    check = VerificationCheck.objects.order_by("id").first()
    results, refused, errors = _race(
        lambda: services.verification_record(check=check, actor=caseworker, answer="not_received", method="phone",
                                             note="本人称未收到"),
        lambda: services.verification_record(check=check, actor=other, answer="received", method="visit"))
    assert not errors and len(results) == 1 and len(refused) == 1
    assert AuditEvent.objects.filter(action="appeals.verification_record").count() == 1
    assert DiscoveryTask.objects.filter(kind="payment_check").count() == (1 if results[0].answer != "received" else 0)


def test_two_filings_against_one_decision_at_once_make_one_appeal(caseworker):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    app = f.rejected_application(caseworker, f.staff(Role.APPROVER))
    citizen = f.citizen_of(app.person)
    results, refused, errors = _race(
        lambda: services.appeal_file(actor=caseworker, kind="rejection", subject=app, grounds="代为申诉"),
        lambda: services.appeal_file(actor=citizen, kind="rejection", subject=app, grounds="本人申诉"))
    assert not errors and len(results) == 1 and len(refused) == 1
    assert Appeal.objects.count() == 1
    assert "该决定已有正在办理的申诉。" in refused[0].messages
