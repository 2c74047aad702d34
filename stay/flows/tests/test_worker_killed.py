"""A flow worker killed (SIGKILL, a real process) after it has claimed due enrolments and
queued their messages, before it commits: nothing it did survives, and the next worker sends
each step once (issue 20)."""

import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from stay.conversations.models import Message, Purpose
from stay.conversations.tests.test_worker_killed import _env, _wait_for
from stay.flows import engine
from stay.flows.models import Enrolment, Outreach
from stay.flows.services import outreach_prepare
from stay.flows.tests.test_gate import shopper

# The worker: claims, queues, tells the test it got that far, then waits to be killed.
STALLING = """
import django, time; django.setup()
from datetime import timedelta
from django.utils import timezone
from stay.flows import engine
real = engine.outbound_queue
def queue_then_stall(**kwargs):
    out = real(**kwargs)
    print("queued", flush=True)
    time.sleep(60)
    return out
engine.outbound_queue = queue_then_stall
engine.flows_advance(now=timezone.now() + timedelta(hours=2))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_claim_and_commit_loses_and_doubles_nothing(store, tmp_path, outbox):
    settings = outreach_prepare(store=store)
    settings.quiet_start, settings.holdout_percent = settings.quiet_end, 0
    settings.save()
    flow = store.flows.get(trigger="checkout")
    people = [shopper(store, email=f"k{n}@example.com") for n in range(5)]
    engine.enrol(flow=flow, people=[engine.Enrol(p.pk, f"cart:{p.pk}", {"channel": "email"}) for p in people])

    worker = subprocess.Popen(
        [sys.executable, "-c", STALLING],
        env=_env(tmp_path, outbox.port),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "queued"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert not Message.objects.filter(purpose=Purpose.MARKETING).exists() and not Outreach.objects.exists()
    assert set(Enrolment.objects.values_list("position", flat=True)) == {1}

    later = timezone.now() + timedelta(hours=2)
    _wait_for(lambda: engine.flows_advance(now=later) == 5 or Outreach.objects.count() == 5)
    assert engine.flows_advance(now=later) == 0
    assert Message.objects.filter(purpose=Purpose.MARKETING).count() == 5 == Outreach.objects.count()
