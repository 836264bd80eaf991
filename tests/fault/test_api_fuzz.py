"""Hostile input: schemathesis generates requests for every operation in /api/schema/ and sends them
with a valid token of each role. No answer may be a server error, and every accepted (2xx) answer must
match the schema's declared body and content type.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

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
    failures, validated = [], []
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
                if 200 <= response.status_code < 300:
                    # an accepted request's answer has the shape the schema promises
                    try:
                        case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])
                        validated.append(case.operation.label)
                    except Exception as exc:  # schemathesis raises a failure group with the details
                        failures.append(f"{case.operation.label}: answer does not match the schema: {exc}"[:600])
                        return

        run()
    assert not failures, "\n".join(failures[:10])
    assert len(set(validated)) >= 10, f"too few operations answered 2xx to check their shape: {set(validated)}"
