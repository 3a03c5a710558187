"""Simulator throughput: sessions per second when generating about 100,000 sessions.

Target: 100k sessions in <= 30 s on the 2-core reference machine.
"""

from __future__ import annotations

import time

from helpers.sim.world import simulate

USERS_FOR_100K_SESSIONS = 33_400  # users have 3 sessions on average


def main() -> None:
    started = time.perf_counter()
    world = simulate(n_users=USERS_FOR_100K_SESSIONS, seed=0)
    seconds = time.perf_counter() - started
    n = len(world.sessions)
    print(f"sessions generated : {n:,} ({len(world.events):,} events, {len(world.reviews):,} reviews)")
    print(f"wall time          : {seconds:.1f} s   target <= 30 s: {'met' if seconds <= 30 else 'MISSED'}")
    print(f"throughput         : {n / seconds:,.0f} sessions/s")


if __name__ == "__main__":
    main()
