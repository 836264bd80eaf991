"""A web worker loads what its first request would (URLconf, catalogue, Celery's publishing path) at boot,
without a query to the database or a connection it would then carry into a fork."""

import sys

import pytest

from portal.warmup import warm_up
from tests.worker import broker_mode


@pytest.mark.django_db
@pytest.mark.parametrize("broker", [False, True])
def test_warm_up_sends_no_query(django_assert_num_queries, broker):
    if broker:
        with broker_mode(), django_assert_num_queries(0):
            warm_up()
    else:
        with django_assert_num_queries(0):
            warm_up()


def test_the_wsgi_application_is_warm_once_imported():
    from django.urls import get_resolver

    import portal.wsgi  # noqa: F401 - builds the application and warms it

    assert "urlconf_module" in get_resolver().__dict__  # the URLconf is imported ...
    assert "medical_pooling.api.views" in sys.modules  # ... with the views behind it
