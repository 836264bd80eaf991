"""The read replica router: reports, dashboards, exports and statistics read from the `replica` alias when
it is close enough behind; money paths and anything inside a transaction never do. Here `replica` mirrors
the test database (a second connection to it); tests/fleet runs against a real streaming standby."""

import datetime as dt

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from assistance import services as assistance
from assistance.models import Batch
from portal import dbrouter
from portal.models import Person, Role
from tests.pii_fixtures import seal_household_accounts

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def replica_on(settings):
    settings.PORTAL_READ_REPLICA = True
    settings.PORTAL_REPLICA_MAX_LAG = 5
    dbrouter._lag_cache.clear()
    yield
    dbrouter._lag_cache.clear()


def test_reads_go_to_the_replica_only_inside_a_replica_view():
    assert Person.objects.all().db == "default"
    with dbrouter.replica_block():
        assert Person.objects.all().db == "replica"
        with dbrouter.primary_only():
            assert Person.objects.all().db == "default", "a money path inside a report still reads the primary"
        with transaction.atomic():
            assert Person.objects.all().db == "default", "reads that belong to a write stay on the primary"
        assert Person.objects.all().db == "replica"
    assert Person.objects.all().db == "default"


def test_writes_and_migrations_stay_on_the_primary():
    router = dbrouter.PrimaryReplicaRouter()
    with dbrouter.replica_block():
        assert router.db_for_write(Person) == "default"
    assert router.allow_migrate("replica", "portal") is False and router.allow_migrate("default", "portal")


def test_the_lag_guard_falls_back_to_the_primary(settings, monkeypatch):
    assert dbrouter.replica_lag_seconds(cached=False) == 0.0  # the mirror is no standby: nothing to replay
    monkeypatch.setattr(dbrouter, "replica_lag_seconds", lambda alias="replica", cached=True: 12.0)
    with dbrouter.replica_block():
        assert Person.objects.all().db == "default"
        settings.PORTAL_REPLICA_MAX_LAG = 30
        assert Person.objects.all().db == "replica"
    monkeypatch.setattr(dbrouter, "replica_lag_seconds", lambda alias="replica", cached=True: None)
    with dbrouter.replica_block():
        assert Person.objects.all().db == "default", "an unreachable replica counts as too far behind"


def test_switched_off_by_setting(settings):
    settings.PORTAL_READ_REPLICA = False
    with dbrouter.replica_block():
        assert Person.objects.all().db == "default"


def test_the_report_page_and_api_read_from_the_replica(api, caseworker, client):
    from tests.factories import verify_session

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        r = api(caseworker).get("/api/v1/casework/reports/")
    assert r.status_code == 200
    assert len(on_replica) > 0, "the report's aggregates were read from the replica"
    client.force_login(caseworker)
    verify_session(client, caseworker)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get("/casework/reports/").status_code == 200
        assert client.get("/").status_code == 200
    assert len(on_replica) > 0


def _three_households():
    from django.db import connection

    from portal.population import generate_people

    ctx = generate_people(people=3, seed=5)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO assistance_household (region_id, area, address, head_id, created_at, updated_at)"
            " SELECT '610112', 'urban', '路由测试路' || id || '号', id, now(), now()"
            " FROM portal_person WHERE id BETWEEN %s AND %s", [ctx.first_person_id, ctx.last_person_id])
        seal_household_accounts(ctx.first_person_id, ctx.last_person_id)  # encrypted at rest (portal.pii)
        cur.execute(
            "INSERT INTO assistance_member (household_id, person_id, relation, joined_on)"
            " SELECT id, head_id, 'head', DATE '2025-01-01' FROM assistance_household WHERE head_id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id])
        cur.execute(
            "INSERT INTO assistance_enrolment (person_id, household_id, region_id, category, monthly_amount,"
            " start_date, status, created_at) SELECT head_id, id, region_id, 'dibao', 80000, DATE '2025-01-01',"
            " 'active', now() FROM assistance_household WHERE head_id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id])


def test_a_payout_reads_nothing_from_the_replica_even_from_a_report_context(make_user):
    """The money path: approve, pay and reconcile a batch while a replica block is open (as if a report
    page called them): the replica sees no query at all."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("set-based fixtures need PostgreSQL")
    _three_households()
    maker = make_user(Role.CASEWORKER, "610100", username="rt_cw")
    checker = make_user(Role.APPROVER, "610100", username="rt_ap")
    scheme = assistance.scheme_create(
        name="路由测试补贴", kind="one_time", region="610100", unit="person", categories=["dibao"],
        urban_amount=1000, rural_amount=1000, budget=100000, deadline=dt.date(2026, 2, 10), actor=maker)
    batch = assistance.batch_create(scheme=scheme, region="610112", actor=maker)
    with dbrouter.replica_block(), CaptureQueriesContext(connections["replica"]) as on_replica:
        assistance.batch_approve(batch=Batch.objects.using("default").get(pk=batch.pk), actor=checker)
        assistance.batch_pay(batch_id=batch.pk)
        assistance.batch_reconcile(batch_id=batch.pk)
        assert Batch.objects.using("default").get(pk=batch.pk).status == Batch.Status.PAID
    assert len(on_replica) == 0, [q["sql"] for q in on_replica.captured_queries]


def test_money_path_marks_the_functions():
    for fn in (assistance.batch_approve, assistance.batch_pay, assistance.batch_reconcile,
               assistance.bank_results_fetch):
        assert fn.__code__ is dbrouter.money_path(len).__code__, f"{fn.__name__} is not marked @money_path"
    seen = []
    with dbrouter.replica_block():
        # the decorator opens primary_only for the call's duration
        dbrouter.money_path(lambda: seen.append(Person.objects.all().db))()
        seen.append(Person.objects.all().db)
    assert seen == ["default", "replica"]
