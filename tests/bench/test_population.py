"""The benchmark harness at a tiny scale: generate_population's invariants, and one benchmark's row."""

import pytest
from django.core.management import call_command
from django.db import connection

from portal.idnumber import validate_id_number

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PEOPLE = 300


def one(sql, params=None):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


@pytest.fixture
def population():
    if connection.vendor != "postgresql":
        pytest.skip("generate_population writes with COPY: PostgreSQL only")
    call_command("generate_population", people=PEOPLE, seed=11, stdout=open("/dev/null", "w"))


def test_population_invariants(population):
    from portal import pii
    from portal.models import Person

    numbers = [pii.decrypt(pii.ID, blob) for blob in Person.objects.values_list("id_number_enc", flat=True)]
    assert len(numbers) == PEOPLE
    for number in numbers:
        assert validate_id_number(number) == number  # GB 11643 check digit
    # assistance: every person in exactly one household, heads are members, sizes 1–5
    assert one("SELECT COUNT(*), COUNT(DISTINCT person_id) FROM assistance_member WHERE left_on IS NULL") == (PEOPLE, PEOPLE)
    assert one("SELECT COUNT(*) FROM assistance_household h WHERE NOT EXISTS (SELECT 1 FROM assistance_member m"
               " WHERE m.household_id = h.id AND m.person_id = h.head_id AND m.relation = 'head')") == (0,)
    assert one("SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) n FROM assistance_member GROUP BY household_id) x") >= (1, 1)
    assert one("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM assistance_member GROUP BY household_id) x")[0] <= 5
    assert one("SELECT COUNT(*) FROM assistance_enrolment e JOIN assistance_member m ON m.person_id = e.person_id"
               " WHERE m.household_id <> e.household_id")[0] == 0
    (dibao,) = one("SELECT COUNT(DISTINCT household_id) FROM assistance_enrolment WHERE category = 'dibao'")
    (households,) = one("SELECT COUNT(*) FROM assistance_household")
    assert 0.4 < dibao / households < 0.85
    # no two open enrolments of one person and category
    assert one("SELECT COUNT(*) FROM (SELECT person_id, category FROM assistance_enrolment WHERE status <> 'revoked'"
               " AND end_date IS NULL GROUP BY 1, 2 HAVING COUNT(*) > 1) x") == (0,)
    # medical_pooling: ledger == balances, spends within quotas, running values consistent
    assert one("SELECT COUNT(*) FROM medical_pooling_insured") == (PEOPLE,)
    assert one("SELECT COUNT(*) FROM medical_pooling_account a LEFT JOIN (SELECT account_id, SUM(amount) b,"
               " SUM(reserved_delta) r FROM medical_pooling_ledgerentry GROUP BY 1) l ON l.account_id = a.id"
               " WHERE a.balance <> COALESCE(l.b, 0) OR a.reserved <> COALESCE(l.r, 0)") == (0,)
    assert one("SELECT COUNT(*) FROM medical_pooling_relation r WHERE r.used > r.quota OR r.used <>"
               " (SELECT COALESCE(SUM(amount), 0) FROM medical_pooling_spend s WHERE s.relation_id = r.id)") == (0,)
    assert one("SELECT COUNT(*) FROM medical_pooling_ledgerentry l WHERE l.balance_after <>"
               " (SELECT SUM(amount) FROM medical_pooling_ledgerentry x WHERE x.account_id = l.account_id AND x.id <= l.id)"
               ) == (0,)
    (spends,) = one("SELECT COUNT(*) FROM medical_pooling_spend")
    assert PEOPLE * 0.5 < spends < PEOPLE * 1.6
    assert one("SELECT COUNT(*) FROM medical_pooling_spend WHERE payer_region <> payee_region")[0] > 0
    # cross-region care goes to provincial capitals and national centres: a few payee regions, not any
    assert one("SELECT COUNT(DISTINCT payee_region) FROM medical_pooling_spend WHERE payer_region <> payee_region")[0] <= 34
    # the household tally kept by the triggers equals the households written by the generator
    assert one("SELECT COUNT(*) FROM (SELECT region_id, area, COUNT(*) n FROM assistance_household GROUP BY 1, 2) h"
               " FULL JOIN assistance_householdtally t USING (region_id, area)"
               " WHERE COALESCE(h.n, 0) <> COALESCE(t.households, 0)") == (0,)
    # skills_training: certificate numbers valid and serial counters at the last number issued
    assert one("SELECT COUNT(*) FROM skills_training_certificate c JOIN skills_training_assessment a"
               " ON a.id = c.assessment_id WHERE NOT a.passed") == (0,)
    assert one("SELECT COUNT(*) FROM skills_training_certificate c WHERE substr(c.number, 16, 7)::int >"
               " (SELECT last_serial FROM skills_training_certificateserial s WHERE s.evaluator_code = c.evaluator_code"
               " AND s.year = 2026 AND s.level = 5)") == (0,)


def test_a_benchmark_returns_a_well_formed_row(population):
    from bench.benchmarks import batch_build, reverify

    row = batch_build(PEOPLE)
    assert set(row) >= {"rows", "seconds", "baseline_seconds", "notes"}
    assert row["rows"] > PEOPLE * 0.8 and row["seconds"] > 0 and row["baseline_seconds"] > 0
    assert "same: True" in row["notes"]
    row = reverify(PEOPLE)
    assert row["rows"] > 0 and "cancelled" in row["notes"]
