import pytest

from portal.models import Role

from .factories import BOZHOU


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINING_STAFF, BOZHOU, username="trainer_bz")


@pytest.fixture
def trainer_xian(make_user):
    return make_user(Role.TRAINING_STAFF, "610100", username="trainer_xian")


@pytest.fixture
def staff_api(api, trainer):
    return api(trainer)
