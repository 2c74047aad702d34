"""The staffing formulas (issue 23): Erlang C against a case worked by hand, Erlang A against
Erlang C when nobody gives up, both against a discrete-event simulation (ciw) of the same
queue, and the agents needed for chats at once and for a backlog."""

import math

import ciw
import pytest

from stay.insights.staffing import Queue, backlog_agents, erlang_a, erlang_c, needed


def test_erlang_c_by_hand():
    """40 chats an hour of 3 minutes: 2 Erlangs. With 3 servers, A^3/3! x 3/(3-2) = 4 and
    1 + 2 + 2 = 5 before it, so 4 / 9 wait; answered within 20 s: 1 - 4/9 x e^(-1 x 20/180)
    = 0.6023; the average wait 4/9 x 180 s / (3 - 2) = 80 s."""
    level = erlang_c(Queue(per_hour=40, handle_minutes=3, answer_seconds=20), 3)
    assert level.waits == pytest.approx(4 / 9)
    assert level.answered_in_time == pytest.approx(1 - 4 / 9 * math.exp(-20 / 180))
    assert level.mean_wait_seconds == pytest.approx(80)
    assert level.occupancy == pytest.approx(2 / 3)
    assert erlang_c(Queue(per_hour=40, handle_minutes=3, answer_seconds=20), 2).answered_in_time == 0  # overloaded


def test_erlang_a_with_endless_patience_is_erlang_c():
    queue = Queue(per_hour=120, handle_minutes=4, answer_seconds=30)
    patient = Queue(per_hour=120, handle_minutes=4, answer_seconds=30, patience_minutes=1e7)
    for servers in (9, 10, 12):
        c, a = erlang_c(queue, servers), erlang_a(patient, servers)
        assert a.waits == pytest.approx(c.waits, abs=1e-4)
        assert a.answered_in_time == pytest.approx(c.answered_in_time, abs=1e-4)
        assert a.abandons == pytest.approx(0, abs=1e-4)


def simulate(queue: Queue, servers: int, *, hours: float = 600, seed: int = 7) -> tuple[float, float]:
    """The share answered within the time, and the share who gave up, over ``hours`` (the
    first 10 left out while the queue fills)."""
    rates = {"arrival_distributions": [ciw.dists.Exponential(rate=queue.per_hour)]}
    network = ciw.create_network(
        **rates,
        service_distributions=[ciw.dists.Exponential(rate=60 / queue.handle_minutes)],
        number_of_servers=[servers],
        **(
            {"reneging_time_distributions": [ciw.dists.Exponential(rate=60 / queue.patience_minutes)]}
            if queue.patience_minutes
            else {}
        ),
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(hours)
    records = [r for r in sim.get_all_records() if r.arrival_date > 10]
    in_time = sum(r.record_type == "service" and r.waiting_time <= queue.answer_seconds / 3600 for r in records)
    gone = sum(r.record_type == "renege" for r in records)
    return in_time / len(records), gone / len(records)


@pytest.mark.parametrize(
    ("queue", "servers"),
    [
        (Queue(per_hour=60, handle_minutes=5, answer_seconds=60), 7),  # Erlang C
        (Queue(per_hour=60, handle_minutes=5, answer_seconds=60, patience_minutes=2), 5),  # Erlang A, loaded
    ],
)
def test_the_formulas_agree_with_a_simulation(queue, servers):
    level = erlang_a(queue, servers)
    in_time, gone = simulate(queue, servers)
    assert level.answered_in_time == pytest.approx(in_time, abs=0.02)
    assert level.abandons == pytest.approx(gone, abs=0.02)


def test_erlang_c_overstaffs_where_shoppers_give_up():
    """Koole: with impatient shoppers the line shortens itself, so fewer people reach the
    same share answered in time."""
    chats = Queue(per_hour=90, handle_minutes=6, answer_seconds=60)
    impatient = Queue(per_hour=90, handle_minutes=6, answer_seconds=60, patience_minutes=3)
    by_c, _level = needed(chats, 0.8)
    by_a, level = needed(impatient, 0.8)
    assert by_a < by_c and level.answered_in_time >= 0.8
    assert needed(chats, 0.8)[1].answered_in_time >= 0.8 > erlang_c(chats, by_c - 1).answered_in_time


def test_chats_at_once_and_backlogs():
    """Three chats at once: the servers a queue needs, shared three to an agent. 240 e-mails of
    6 minutes within 8 hours at 85%: 24 hours of work / 6.8 = 3.5, so 4 people."""
    chats = Queue(per_hour=90, handle_minutes=9, answer_seconds=60)
    agents, level = needed(chats, 0.8, concurrency=3)
    assert agents == math.ceil(level.servers / 3)
    assert backlog_agents(240, 6, 8) == 4
    assert backlog_agents(0, 6, 8) == 0
