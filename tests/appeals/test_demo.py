"""The demo holds an appeal in each state and a verified batch (issue 21's done-when)."""

import pytest
from django.core.management import call_command

from appeals.models import Appeal, VerificationCheck, VerificationRound
from assistance.models import HouseholdEnrolment

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_the_demo_has_an_appeal_in_each_state_and_a_verified_batch(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "申诉复核：" in out
    assert set(Appeal.objects.values_list("status", flat=True)) == set(Appeal.Status.values)
    upheld_stop = Appeal.objects.get(kind="stop", status="upheld")
    assert HouseholdEnrolment.objects.get(pk=upheld_stop.household_enrolment_id).status == "active"
    assert all(a.reviewer_id != a.decided_by_id for a in Appeal.objects.exclude(reviewer=None))
    rnd = VerificationRound.objects.get()
    assert rnd.sample_size > 0 and not rnd.checks.filter(answer="pending").exists()
    assert rnd.checks.filter(answer__in=VerificationCheck.DISCREPANCIES).count() == 2
    # seeding again adds nothing
    call_command("seed_demo")
    assert VerificationRound.objects.count() == 1
