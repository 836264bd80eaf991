import pytest

from portal.models import Role


@pytest.fixture
def caseworker2(make_user):
    return make_user(Role.CASEWORKER, "610100", username="cw2_xian")


@pytest.fixture
def approver2(make_user):
    return make_user(Role.APPROVER, "610100", username="ap2_xian")


@pytest.fixture
def approver_tj(make_user):
    return make_user(Role.APPROVER, "120000", username="ap_tianjin")


@pytest.fixture
def officer(make_user):
    return make_user(Role.INSURANCE_OFFICER, None, username="officer_x")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
