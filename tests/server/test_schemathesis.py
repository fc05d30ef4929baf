"""schemathesis against the served OpenAPI document: no input makes the server fail (5xx).

Runs against the live server process on both database backends, with a bounded number of
examples per operation. Admin operations get the admin token and client operations a
real activation's credential, so generated requests reach the code behind the checks.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from tests.server import signed

pytestmark = pytest.mark.slow  # property-based fuzzing of every operation on both backends

EXAMPLES_PER_OPERATION = 20  # per operation and mode (valid and invalid requests)


def test_no_server_errors(server):
    _, key = server.issue(seats=50, plan="enterprise")
    activation = signed.activate(server.url, key, uuid.uuid4().hex, "fuzz").json()
    bearer = f"{activation['activation_id']}.{activation['activation_secret']}"
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    seen: dict[str, set[int]] = {}

    def fuzz(operation, mode: GenerationMode) -> None:
        token = server.admin_token if operation.path.startswith("/v1/licences") else bearer
        label = f"{operation.method.upper()} {operation.path} ({mode.value})"

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(base_url=server.url, headers={"Authorization": f"Bearer {token}"})
            seen.setdefault(label, set()).add(response.status_code)
            assert response.status_code < 500, (label, response.text[:500])
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Unsatisfiable:
            # an operation without parameters or body has no invalid form
            assert mode is GenerationMode.NEGATIVE, label
            seen.setdefault(label, set())

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode)
    # the fuzzing reached past validation: some requests succeeded, some were refused
    codes = set().union(*seen.values())
    assert any(200 <= c < 300 for c in codes) and any(400 <= c < 500 for c in codes), seen
    print({label: sorted(statuses) for label, statuses in seen.items()})
