"""Fixtures shared by every test folder: users of each role and API clients that act as them."""

import pytest
from rest_framework.test import APIClient

from portal.models import Role
from tests.factories import PersonFactory, UserFactory, token_for


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


def pytest_collection_modifyitems(config, items):
    """Transactional tests flush every table, including reference data loaded by data migrations
    (regions, the occupational standard). Restore it after each such test (serialized rollback)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
                            append=False)
