"""Queueing theory formulas: the exact values the simulator is validated against.

Planners know these as Erlang C and friends; they are also offered beside
simulation results so users can see where the formula and the simulation differ
(abandonment, several skills, variable arrivals). All times are in the caller's
unit (minutes throughout the simulator); rates are per that unit.
"""

from __future__ import annotations

import math

import numpy as np


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``load`` (Erlangs), by the stable recursion."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arriving customer waits in M/M/c (load = arrival rate x mean service time)."""
    if load >= servers:
        return 1.0
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1 - blocking))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C): C / (c mu - lambda)."""
    load = arrival_rate / service_rate
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)


def mmc_service_level(arrival_rate: float, service_rate: float, servers: int, threshold: float) -> float:
    """P(wait <= threshold) in M/M/c: 1 - C exp(-(c mu - lambda) t)."""
    load = arrival_rate / service_rate
    if load >= servers:
        return 0.0
    return 1.0 - erlang_c(servers, load) * math.exp(-(servers * service_rate - arrival_rate) * threshold)


def mmc_priority_waits(arrival_rates: list[float], service_rate: float, servers: int) -> list[float]:
    """Mean wait in queue of each class of an M/M/c with non-preemptive priorities (class 0 first, one
    service rate for all): Cobham's formula, W_k = (C / (c mu)) / ((1 - s_(k-1)) (1 - s_k)) with s_k the
    load of classes 0..k per server (Gross and Harris, Fundamentals of Queueing Theory, 3.4)."""
    total = sum(arrival_rates)
    if total / service_rate >= servers:
        return [math.inf] * len(arrival_rates)
    waiting = erlang_c(servers, total / service_rate) / (servers * service_rate)
    waits, above = [], 0.0
    for rate in arrival_rates:
        upto = above + rate / (servers * service_rate)
        waits.append(waiting / ((1 - above) * (1 - upto)))
        above = upto
    return waits


def mm1_mean_wait(arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue of M/M/1: rho / (mu - lambda)."""
    return mmc_mean_wait(arrival_rate, service_rate, 1)


def mg1_mean_wait(arrival_rate: float, mean_service: float, second_moment: float) -> float:
    """Pollaczek-Khinchine mean wait in queue of M/G/1: lambda E[S^2] / (2 (1 - rho))."""
    rho = arrival_rate * mean_service
    if rho >= 1:
        return math.inf
    return arrival_rate * second_moment / (2 * (1 - rho))


def erlang_a(arrival_rate: float, service_rate: float, servers: int, abandonment_rate: float,
             tolerance: float = 1e-12) -> dict[str, float]:
    """M/M/c+M (Erlang A): exponential patience with rate ``abandonment_rate``.

    Solved exactly as a birth-death chain (births lambda; deaths min(n, c) mu +
    max(n - c, 0) theta), truncated where the remaining probability is below
    ``tolerance``. Returns the probability an arrival abandons, the probability it
    waits, the mean queue length and the mean wait in queue over all arrivals
    (Little's law: E[Q] / lambda).
    """
    if abandonment_rate <= 0:
        raise ValueError("Erlang A needs an abandonment rate > 0; use Erlang C without abandonment")
    # unnormalised log-probabilities, grown until the tail is negligible
    log_p = [0.0]
    n = 0
    while True:
        n += 1
        death = min(n, servers) * service_rate + max(n - servers, 0) * abandonment_rate
        log_p.append(log_p[-1] + math.log(arrival_rate) - math.log(death))
        if n > servers and log_p[-1] - max(log_p) < math.log(tolerance):
            break
    logs = np.array(log_p)
    p = np.exp(logs - logs.max())
    p /= p.sum()
    states = np.arange(len(p))
    queue = np.maximum(states - servers, 0)
    mean_queue = float((p * queue).sum())
    return {
        "abandon_probability": abandonment_rate * mean_queue / arrival_rate,
        "wait_probability": float(p[servers:].sum()),   # PASTA: an arrival finds all servers busy
        "mean_queue": mean_queue,
        "mean_wait": mean_queue / arrival_rate,
        "distribution": p,                               # probability of each number in the system
    }


def erlang_a_service_level(arrival_rate: float, service_rate: float, servers: int, abandonment_rate: float,
                           threshold: float) -> float:
    """M/M/c+M: the share of arrivals answered within ``threshold`` (answered in time / all arrivals,
    every abandon counting against: the simulator's service level without short abandons).

    An arrival that finds all agents busy, with q customers ahead, moves up at rate c mu + i theta while
    i are ahead (service completions, and abandonments of those ahead) and gives up at rate theta: the
    probability it reaches an agent within the threshold is read off the matrix exponential of that
    pure-death chain, and averaged over what arrivals find (PASTA)."""
    from scipy.linalg import expm

    chain = erlang_a(arrival_rate, service_rate, servers, abandonment_rate)
    found = chain["distribution"]
    ahead = len(found) - servers                     # queue lengths an arrival can find: 0 .. ahead - 1
    if ahead <= 0:
        return 1.0
    size = ahead + 1                                 # positions 0 .. ahead - 1, then "answered"
    generator = np.zeros((size, size))
    for position in range(ahead):
        move = servers * service_rate + position * abandonment_rate
        generator[position, position] = -(move + abandonment_rate)
        generator[position, position - 1 if position else ahead] = move
    answered = expm(generator * threshold)[:ahead, ahead]
    return float(found[:servers].sum() + (found[servers:servers + ahead] * answered).sum())


def erlang_x(arrival_rate: float, service_rate: float, servers: int, lines: int | None = None,
             abandonment_rate: float = 0.0, redial_share: float = 0.0, threshold: float | None = None,
             joins=None, tolerance: float = 1e-12) -> dict[str, float]:
    """Erlang X: M/M/c with at most ``lines`` customers in the system (None: no limit), exponential
    patience of rate ``abandonment_rate`` (0: nobody abandons), a share ``redial_share`` of those who
    fail (busy signal, balk or abandon) trying again, and, with ``joins(waiting)``, the chance that an
    arrival who must wait behind ``waiting`` others joins (balking). With none of these it is Erlang C;
    with as many lines as servers, Erlang B; with patience alone, Erlang A.

    Solved exactly as a birth-death chain for the attempt rate; redials are added to the fresh arrivals
    as a Poisson stream, and the attempt rate found by fixed-point iteration (the approximation Erlang X
    calculators make: exact without redials). Per attempt, as the simulator counts contacts (a redial is
    a contact of its own): ``block_rate``, ``balk_rate``, ``abandon_rate`` (of those who queued),
    ``wait_mean`` (the mean wait of those answered: ASA), ``service_level`` (answered within
    ``threshold`` / every attempt, turned away included), ``utilisation`` and ``attempts`` per unit time.
    """
    joins = joins or (lambda waiting: 1.0)
    theta = abandonment_rate
    attempts = arrival_rate
    for _ in range(500):
        chain = _attempts_chain(attempts, service_rate, servers, lines, theta, joins, tolerance)
        if chain is None:
            return {}
        failed = chain["block"] + chain["balk"] + chain["abandon"]
        updated = arrival_rate / (1 - redial_share * failed) if redial_share else arrival_rate
        if abs(updated - attempts) <= 1e-12 * max(attempts, 1.0):
            break
        attempts = updated
    found, queued = chain["found"], chain["queued"]
    ahead = len(queued)
    moves = [servers * service_rate + position * theta for position in range(ahead)]
    served_from = np.cumprod([move / (move + theta) for move in moves]) if ahead else np.zeros(0)
    time_to_serve = np.cumsum([1 / (move + theta) for move in moves]) if ahead else np.zeros(0)
    answered = 1.0 - chain["block"] - chain["balk"] - chain["abandon"]
    waited = float((queued * served_from * time_to_serve).sum())
    result = {"attempts": attempts, "block_rate": chain["block"], "balk_rate": chain["balk"],
              "abandon_rate": chain["abandon"] / max(1.0 - chain["block"] - chain["balk"], 1e-300),
              "wait_mean": waited / answered if answered > 0 else math.nan,
              "utilisation": attempts * answered / (servers * service_rate)}
    if threshold is not None:
        result["service_level"] = float(found[:servers].sum()) + _answered_within(
            queued, servers, service_rate, theta, threshold)
    return result


def _attempts_chain(attempts: float, service_rate: float, servers: int, lines: int | None, theta: float, joins,
                    tolerance: float) -> dict | None:
    """The stationary chain at an attempt rate: what attempts find (PASTA), the share who join each queue
    position, and the block, balk and abandon probabilities per attempt; None when the queue would
    grow without end."""
    if lines is None and theta <= 0 and attempts / service_rate >= servers and joins(10 ** 6) > 0:
        return None
    log_p, n = [0.0], 0
    while lines is None or n < lines:
        birth = attempts * (1.0 if n < servers else joins(n - servers))
        if birth <= 0:
            break
        n += 1
        death = min(n, servers) * service_rate + max(n - servers, 0) * theta
        log_p.append(log_p[-1] + math.log(birth) - math.log(death))
        if lines is None and n > servers and log_p[-1] - max(log_p) < math.log(tolerance):
            break
        if n > 100000:
            return None
    logs = np.array(log_p)
    found = np.exp(logs - logs.max())
    found /= found.sum()
    full = lines is not None and len(found) == lines + 1
    open_states = found[:-1] if full else found    # states an arrival can enter (or balk from)
    waiting_found = open_states[servers:]
    join = np.array([joins(j) for j in range(len(waiting_found))])
    queued = waiting_found * join                  # per attempt: joined the queue at position j
    mean_queue = float((found * np.maximum(np.arange(len(found)) - servers, 0)).sum())
    return {"found": found, "queued": queued, "block": float(found[-1]) if full else 0.0,
            "balk": float((waiting_found * (1 - join)).sum()), "abandon": theta * mean_queue / attempts}


def _answered_within(queued: np.ndarray, servers: int, service_rate: float, theta: float, threshold: float) -> float:
    """Per attempt: the probability of having joined the queue and reached an agent within ``threshold``
    (a pure-death chain over the position in the queue, with abandonment), by matrix exponential."""
    from scipy.linalg import expm

    ahead = len(queued)
    if ahead == 0:
        return 0.0
    generator = np.zeros((ahead + 1, ahead + 1))
    for position in range(ahead):
        move = servers * service_rate + position * theta
        generator[position, position] = -(move + theta)
        generator[position, position - 1 if position else ahead] = move
    reached = expm(generator * threshold)[:ahead, ahead]
    return float((queued * reached).sum())


def erlang_a_agents(arrival_rate: float, service_rate: float, abandonment_rate: float, threshold: float,
                    target: float) -> int:
    """The fewest agents with which M/M/c+M reaches ``target`` service level within ``threshold``."""
    servers = 1
    while erlang_a_service_level(arrival_rate, service_rate, servers, abandonment_rate, threshold) < target:
        servers += 1
    return servers


def erlang_c_agents(arrival_rate: float, service_rate: float, threshold: float, target: float) -> int:
    """The fewest agents with which M/M/c reaches ``target`` service level within ``threshold``."""
    servers = max(1, math.floor(arrival_rate / service_rate) + 1)
    while mmc_service_level(arrival_rate, service_rate, servers, threshold) < target:
        servers += 1
    return servers
