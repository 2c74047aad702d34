"""How many people a queue needs: Erlang C for contacts that wait in line (chat, calls), Erlang
A where shoppers give up waiting (Koole: Erlang C then overstaffs), several chats at once per
agent, and backlog work (e-mail, returns) worked down within a promised time.

Written here, not taken from a package: no maintained offline package covers Erlang A with its
service level, and the formulas are short (docs/adr/0019). The tests check them against a
discrete-event simulation (ciw)."""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import expm

from stay.core.errors import InvalidInput

MAX_LOAD = 500  # Erlangs: the busiest queue a plan is worked out for (a few hundred agents)


@dataclass(frozen=True)
class Queue:
    """Contacts per hour, the minutes each takes, the answer time aimed at (seconds), and how
    long shoppers wait before giving up on average (minutes; 0: they never do)."""

    per_hour: float
    handle_minutes: float
    answer_seconds: float
    patience_minutes: float = 0.0

    @property
    def load(self) -> float:
        """The offered load in Erlangs: the people busy on average."""
        return self.per_hour * self.handle_minutes / 60


@dataclass(frozen=True)
class Level:
    servers: int
    waits: float  # the share of contacts that wait at all
    answered_in_time: float  # the share answered within ``answer_seconds``
    abandons: float  # the share that gives up (0 in Erlang C)
    mean_wait_seconds: float
    occupancy: float  # the share of the servers' time spent handling


def erlang_c(queue: Queue, servers: int) -> Level:
    """M/M/N: nobody gives up. Unstable (everyone waits forever) when the load reaches N."""
    load = queue.load
    if servers <= load:
        return Level(servers, 1.0, 0.0, 0.0, math.inf, 1.0)
    blocked = 1.0  # Erlang B by its recursion (stable for any N)
    for k in range(1, servers + 1):
        blocked = load * blocked / (k + load * blocked)
    waits = servers * blocked / (servers - load * (1 - blocked))
    handle = queue.handle_minutes * 60
    in_time = 1 - waits * math.exp(-(servers - load) * queue.answer_seconds / handle)
    mean_wait = waits * handle / (servers - load)
    return Level(servers, waits, in_time, 0.0, mean_wait, load / servers)


def erlang_a(queue: Queue, servers: int) -> Level:
    """M/M/N+M: shoppers in line give up after an exponential patience. Exact from the
    birth-death chain (truncated where the rest is below 1e-12), and the chance of being
    answered within the time from the chain a waiting shopper moves through."""
    if queue.patience_minutes <= 0:
        return erlang_c(queue, servers)
    arrive = queue.per_hour / 3600  # per second
    serve = 1 / (queue.handle_minutes * 60)
    give_up = 1 / (queue.patience_minutes * 60)
    # Stationary probabilities of n in the system, from the balance equations, in logs.
    logs, n, top = [0.0], 0, max(servers * 4, 200)
    while True:
        n += 1
        leave = min(n, servers) * serve + max(n - servers, 0) * give_up
        logs.append(logs[-1] + math.log(arrive / leave))
        if n > servers and (logs[-1] - max(logs) < math.log(1e-12) or n > top * 20):
            break
    p = np.exp(np.array(logs) - max(logs))
    p /= p.sum()
    waiting = p[servers:]  # an arrival finds everyone busy (Poisson arrivals see time averages)
    queued = np.arange(len(waiting))  # how many are ahead of it in line
    abandons = give_up * float((queued * waiting).sum()) / arrive  # gave up per arrival
    mean_wait = float((queued * waiting).sum()) / arrive  # Little: in line / arrivals
    ahead = len(waiting)
    # A waiting shopper with j ahead moves up at rate N·μ + j·θ and gives up at θ; the first
    # move with nobody ahead is being answered. States: j = 0..ahead-1, answered, gone.
    size = ahead + 2
    rates = np.zeros((size, size))
    for j in range(ahead):
        rates[j, j - 1 if j else ahead] = servers * serve + j * give_up
        rates[j, ahead + 1] = give_up
    np.fill_diagonal(rates, -rates.sum(axis=1))
    answered = expm(rates * queue.answer_seconds)[:ahead, ahead]
    in_time = float(p[:servers].sum() + (waiting * answered).sum())
    busy = float((np.minimum(np.arange(len(p)), servers) * p).sum())
    return Level(servers, float(waiting.sum()), in_time, abandons, mean_wait, busy / servers)


def needed(queue: Queue, target: float, *, concurrency: int = 1, abandon_most: float = 1.0) -> tuple[int, Level]:
    """The fewest agents whose queue answers ``target`` of contacts in time (and, with
    patience, lets at most ``abandon_most`` give up). An agent working ``concurrency`` chats
    at once is that many servers (the handling time is the one measured while concurrent)."""
    formula = erlang_a if queue.patience_minutes > 0 else erlang_c
    # Erlang C needs more servers than the load; with patience fewer can do (those who give
    # up leave room), but never fewer than the target's share of the load.
    servers = max(1, math.floor(queue.load * target) if queue.patience_minutes > 0 else math.floor(queue.load) + 1)
    while True:
        level = formula(queue, servers)
        if level.answered_in_time >= target and level.abandons <= abandon_most:
            return math.ceil(servers / concurrency), level
        servers += 1


def backlog_agents(items: float, handle_minutes: float, within_hours: float, *, occupancy: float = 0.85) -> int:
    """E-mail and returns are a backlog, not a queue: the people who work ``items`` down within
    ``within_hours`` at ``occupancy`` of their time."""
    if items <= 0:
        return 0
    return math.ceil(items * handle_minutes / 60 / (within_hours * occupancy))


def plan(
    per_hour: float,
    handle_minutes: float,
    target: float,
    answer_seconds: float,
    patience_minutes: float,
    concurrency: int,
    abandon_most: float = 0.05,
) -> dict[str, Any]:
    """The agents a queue needs, with the service it then gives: the checks every caller of
    the formulas goes through (the page and the API). ``abandon_most``: the share allowed to
    give up waiting (with patience)."""
    problems = [
        message
        for bad, message in (
            (not 0 <= per_hour <= 100_000, "per_hour: 0 to 100000 contacts an hour"),
            (not 0 < handle_minutes <= 600, "handle_minutes: more than 0, at most 600"),
            (not 0 < target < 1, "target: a share between 0 and 1, e.g. 0.8"),
            (not 0 <= answer_seconds <= 86_400, "answer_seconds: 0 to 86400"),
            (not 0 <= patience_minutes <= 1440, "patience_minutes: 0 (never give up) to 1440"),
            (not 1 <= concurrency <= 10, "concurrency: 1 to 10 chats at once"),
            (not 0 < abandon_most <= 1, "abandon_most: a share above 0, at most 1, e.g. 0.05"),
            (
                per_hour * handle_minutes / 60 > MAX_LOAD,
                f"per_hour x handle_minutes / 60: at most {MAX_LOAD} busy at once",
            ),
        )
        if bad
    ]
    if problems:
        raise InvalidInput("; ".join(problems))
    queue = Queue(per_hour, handle_minutes, answer_seconds, patience_minutes)
    if per_hour == 0:
        return {
            "agents": 0,
            "servers": 0,
            "load": 0.0,
            "answered_in_time": 1.0,
            "waits": 0.0,
            "abandons": 0.0,
            "mean_wait_seconds": 0.0,
            "occupancy": 0.0,
        }
    agents, level = needed(queue, target, concurrency=concurrency, abandon_most=abandon_most)
    return {
        "agents": agents,
        "servers": level.servers,
        "load": queue.load,
        "answered_in_time": level.answered_in_time,
        "waits": level.waits,
        "abandons": level.abandons,
        "mean_wait_seconds": level.mean_wait_seconds,
        "occupancy": level.occupancy,
    }
