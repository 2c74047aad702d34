"""Issue 18 #14: schemathesis generates requests from /api/openapi.json for every operation
(a bounded number per operation, with a staff token, on a store with data) and none may be
answered with a 500: bad input gets a 4xx that says what is wrong."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from stay.conftest import payload
from stay.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
EXAMPLES = 12


@pytest.fixture
def fuzz_token(db, store, django_user_model, post_webhook):
    from stay.core.services import api_token_create

    django_user_model.objects.create_user(username="fuzz-admin", password="x", is_staff=True)
    _, raw = api_token_create(username="fuzz-admin")
    post_webhook("orders/create", payload("orders_create"))
    # As Django's test client does: the WSGI app must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield raw
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_gets_a_500(case, fuzz_token):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fuzz_token}"}
    response = case.call()
    what = f"{case.method} {case.formatted_path} {case.query} {case.body!r}"
    assert response.status_code < 500, f"{what}: {response.text[:300]}"
