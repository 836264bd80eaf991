"""Fixtures shared by every test folder: users of each role and API clients that act as them."""

import pytest
from rest_framework.test import APIClient

from portal.models import Role
from tests.factories import PersonFactory, UserFactory, token_for, verify_session


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` skips the password; here it skips the second factor as well (the session
    is verified by the user's TOTP device), so page tests of approvers, officers, trainers and admins need
    not type codes. The second factor's own tests sign in through the pages (tests/portal/test_auth*.py)."""
    from django.test.client import ClientMixin

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        verify_session(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture
def make_user(db):
    def _make(role=Role.CASEWORKER, region="610100", **kwargs):
        """region=None for nationwide officers, citizens, institutions and admins."""
        return UserFactory(role=role, region_id=region, **kwargs)

    return _make


@pytest.fixture
def api():
    """`api(user)` -> an APIClient authenticated with that user's token (no user: anonymous)."""

    def _client(user=None, lang=None):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        if lang:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
        return client

    return _client


@pytest.fixture
def caseworker(make_user):
    return make_user(Role.CASEWORKER, "610100", username="cw_xian")


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER, "610100", username="ap_xian")


@pytest.fixture
def outsider(make_user):
    """A caseworker of another province (Tianjin)."""
    return make_user(Role.CASEWORKER, "120000", username="cw_tianjin")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, None, username="root")


@pytest.fixture
def person(db):
    return PersonFactory()



# Reference data that data migrations load (regions, the occupational standard, fraud rules, beat
# schedules). A transactional test ends with a flush that empties every table; the next test that needs
# the database finds them reloaded here. (Django's serialized rollback would do this too, but its restore
# is lost when Playwright's event loop holds the main thread, as in the browser journeys.)
DATA_MIGRATIONS = [
    ("portal", "0002_load_regions"),
    ("portal", "0004_resume_stalled_jobs_schedule"),
    ("portal", "0007_audit_anchor_schedule"),
    ("skills_training", "0002_seed_standard"),
    ("medical_pooling", "0002_monthly_settlement_schedule"),
    ("medical_pooling", "0004_seed_fraud_rules"),
    ("medical_pooling", "0006_task_names"),
    ("medical_pooling", "0010_seed_region_rules"),
    ("skills_training", "0007_daily_certificate_issue_schedule"),
    ("skills_training", "0009_seed_brand_trades"),
    ("assistance", "0003_heating_reverification_schedule"),
    ("assistance", "0005_resume_stalled_schedule"),
    ("assistance", "0010_bank_backfill_and_schedules"),
    ("assistance", "0013_monthly_payroll_schedule"),
    ("casework", "0002_nightly_discovery_schedule"),
    ("casework", "0006_disaster_review_schedule"),
    ("relief_inkind", "0002_voucher_expiry_schedule"),
]


def _reload_reference_data():
    import importlib

    from django.apps import apps as global_apps
    from django.db.migrations import RunPython

    for app_label, migration in DATA_MIGRATIONS:
        package = global_apps.get_app_config(app_label).name
        module = importlib.import_module(f"{package}.migrations.{migration}")
        for operation in module.Migration.operations:
            if isinstance(operation, RunPython):
                operation.code(global_apps, None)


@pytest.fixture(autouse=True)
def _audit_anchor_dir():
    """Each test starts with no audit anchors (the database is rolled back between tests, so anchors of
    one test would name rows the next one never had). The test profile keeps them in a temporary folder.
    (Plain django.conf.settings, not the `settings` fixture, which upsets serialized_rollback tests.)"""
    import shutil

    from django.conf import settings

    shutil.rmtree(settings.AUDIT_ANCHOR_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if marker and marker.kwargs.get("transaction") else "db")
    from portal.models import Region

    if not Region.objects.exists():
        _reload_reference_data()
