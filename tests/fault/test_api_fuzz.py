"""Hostile input: schemathesis generates requests for every operation in /api/schema/ and sends them
with a valid token of each role. No answer may be a server error, and answers must match the schema's
declared status codes and content types.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from portal.models import Role
from tests.factories import UserFactory, token_for

ROLES = [
    (Role.CASEWORKER, "610100"),
    (Role.APPROVER, "610100"),
    (Role.INSURANCE_OFFICER, None),
    (Role.INSURED, None),
    (Role.INSTITUTION, None),
    (Role.TRAINING_STAFF, "341600"),
    (Role.ADMIN, None),
]


@pytest.fixture
def api_schema(db):
    # Like Django's test client: keep the test's connection (and its transaction) across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_tokens(db):
    tokens = {}
    for i, (role, region) in enumerate(ROLES):
        user = UserFactory(username=f"fuzz_{role}_{i}", role=role, region_id=region,
                           institution_code="H34160200001" if role == Role.INSTITUTION else "")
        tokens[role] = token_for(user)
    return tokens


@pytest.mark.slow
@pytest.mark.django_db
def test_no_server_error_for_any_role(api_schema, role_tokens):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 3
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            for token in [None, *role_tokens.values()]:
                headers = {"Authorization": f"Token {token}"} if token else {}
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.operation.label}: {response.status_code} {case.as_curl_command(headers)}")
                    return

        run()
    assert not failures, "\n".join(failures[:10])
