"""The reference: an idiomatic, bare SimPy M/M/c model (a process per customer, a Resource).

Run as a script by bench_mmc.py, so its whole process (start-up included) is timed,
exactly as the simulator's ``servicesim run`` is.

    python benchmarks/bare_simpy_mmc.py SERVERS ARRIVALS_PER_MINUTE MEAN_SERVICE HORIZON SEED
"""

import random
import sys

import simpy


def customer(env, servers, service_mean, rng, waits):
    arrived = env.now
    with servers.request() as request:
        yield request
        waits.append(env.now - arrived)
        yield env.timeout(rng.expovariate(1 / service_mean))


def source(env, servers, rate, service_mean, horizon, rng, waits):
    while True:
        yield env.timeout(rng.expovariate(rate))
        if env.now >= horizon:
            return
        env.process(customer(env, servers, service_mean, rng, waits))


def main(servers, rate, service_mean, horizon, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    resource = simpy.Resource(env, capacity=servers)
    waits = []
    env.process(source(env, resource, rate, service_mean, horizon, rng, waits))
    env.run()
    print(len(waits), sum(waits) / len(waits))


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
