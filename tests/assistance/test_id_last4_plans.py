"""The last-four searches stay index-backed: on 20,000 people, households' members and payments (loaded by
SQL, analysed), every plan starts from ``person_id_last4_idx`` or an index of the payments, never from a
sequential scan of a table that grows with the population (PostgreSQL plans: the same shape at a million)."""

import pytest
from django.db import connection

from assistance import selectors, services
from assistance.filters import households_with_last4
from portal.models import Person, Role

from . import factories as f

pytestmark = pytest.mark.django_db

N = 20_000
GROWING = ("portal_person", "assistance_household", "assistance_member", "assistance_payment")


def _load(batch, hbatch):
    """N people (every tail shared by two), N/2 households of two in 未央区 and 雁塔区, one payment per person in
    `batch` (a person scheme) and one per household in `hbatch` (a household scheme)."""
    with connection.cursor() as c:
        c.execute("""INSERT INTO portal_person (id, name, name_pinyin, birth_date, sex, created_at, updated_at,
                         id_number_hmac, id_number_enc, id_number_masked, id_last4)
                     SELECT g, '人' || g, '', '1980-01-01', 'M', now(), now(), md5(g::text), '\\x'::bytea,
                            '610112********' || lpad((g %% 10000)::text, 4, '0'), lpad((g %% 10000)::text, 4, '0')
                     FROM generate_series(1000000, 1000000 + %s - 1) g""", [N])
        c.execute("""INSERT INTO assistance_household (id, area, address, bank_account_hmac, created_at, updated_at,
                         region_id)
                     SELECT g, 'urban', '路' || g, '', now(), now(), CASE WHEN g %% 2 = 0 THEN '610112' ELSE '610113' END
                     FROM generate_series(1000000, 1000000 + %s / 2 - 1) g""", [N])
        c.execute("""INSERT INTO assistance_member (id, relation, joined_on, household_id, person_id)
                     SELECT g, 'head', '2020-01-01', 1000000 + (g - 1000000) / 2, g
                     FROM generate_series(1000000, 1000000 + %s - 1) g""", [N])
        region = "CASE WHEN ((g - 1000000) / 2) %% 2 = 0 THEN '610112' ELSE '610113' END"
        c.execute(f"""INSERT INTO assistance_payment (id, period, name, amount, category, status, attempts, reason,
                          created_at, updated_at, batch_id, household_id, person_id, region_id, scheme_id)
                      SELECT g, '', '人' || g, 80000, 'dibao', 'pending', 0, '', now(), now(), %s,
                             1000000 + (g - 1000000) / 2, g, {region}, %s
                      FROM generate_series(1000000, 1000000 + %s - 1) g""", [batch.pk, batch.scheme_id, N])
        c.execute("""INSERT INTO assistance_payment (id, period, name, amount, category, status, attempts, reason,
                         created_at, updated_at, batch_id, household_id, person_id, region_id, scheme_id)
                     SELECT g + 5000000, '', '户' || g, 80000, 'dibao', 'pending', 0, '', now(), now(), %s, g, NULL,
                            CASE WHEN g %% 2 = 0 THEN '610112' ELSE '610113' END, %s
                     FROM generate_series(1000000, 1000000 + %s / 2 - 1) g""", [hbatch.pk, hbatch.scheme_id, N])
        c.execute("ANALYZE portal_person, assistance_household, assistance_member, assistance_payment")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_last_four_searches_use_the_indexes(caseworker, make_user):
    district = make_user(Role.CASEWORKER, "610112", username="cw_weiyang")
    batch = services.batch_create(scheme=f.scheme(caseworker), region="610100", actor=caseworker)
    hbatch = services.batch_create(scheme=f.scheme(caseworker, unit="household"), region="610100", actor=caseworker)
    _load(batch, hbatch)
    batch, hbatch = selectors.batch_get(caseworker, batch.pk), selectors.batch_get(caseworker, hbatch.pk)
    tail = "0044"  # people 1000044, 1010044: households 1000022, 1005022 (未央区)
    plans = {
        "people": Person.objects.filter(id_last4=tail).order_by().values_list("id", flat=True)[:5000],
        "payments": selectors.batch_payments(district, batch, status="pending", search=tail)[:50],
        "household payments": selectors.batch_payments(district, hbatch, search=tail)[:50],
        "enrolment table": selectors.member_table(district, search=tail)[:50],
        "households": selectors.household_list(district, search=tail)[:50],
        "households, region": selectors.household_list(caseworker, search=tail).filter(
            region_id__gte="610113", region_id__lte="610113")[:50],
        "households, api": selectors.household_list(district).filter(households_with_last4(tail))[:50],
    }
    for label, qs in plans.items():
        plan = qs.explain()
        assert not [t for t in GROWING if f"Seq Scan on {t}" in plan], f"{label}:\n{plan}"
        if label not in ("payments", "household payments"):  # those take the people's ids from "people"
            assert "person_id_last4_idx" in plan, f"{label}:\n{plan}"
    assert "assistance_payment_person_id" in plans["payments"].explain()
    assert "assistance_payment_household_id" in plans["household payments"].explain()
    assert len(plans["payments"]) == 2 and len(plans["household payments"]) == 2
    assert len(selectors.batch_payments(caseworker, batch, search="0042")) == 2  # 雁塔区's, for the city
    assert len(selectors.batch_payments(district, batch, search="0042")) == 0
