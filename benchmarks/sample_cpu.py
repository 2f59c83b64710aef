"""Sample the load average and PostgreSQL's CPU while a benchmark runs.

Usage: python benchmarks/sample_cpu.py OUTFILE -- COMMAND...  Runs COMMAND, samples every
2 s, and prints wall time, the load average (min, max, mean) and the CPU seconds used by
the PostgreSQL server processes that lived during the run (user + system, from /proc).
"""

import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    seen = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm.startswith("postgres"):
            rest = fields[1].split()
            seen[int(pid)] = (int(rest[11]) + int(rest[12])) / TICK
    return seen


def main() -> int:
    out, command = sys.argv[1], sys.argv[sys.argv.index("--") + 1 :]
    before, latest, loads = postgres_cpu(), {}, []
    started = time.monotonic()
    process = subprocess.Popen(command)
    while process.poll() is None:
        latest.update(postgres_cpu())
        loads.append(os.getloadavg()[0])
        time.sleep(2)
    wall = time.monotonic() - started
    latest.update(postgres_cpu())
    pg = sum(cpu - before.get(pid, 0.0) for pid, cpu in latest.items())
    line = (
        f"exit {process.returncode}; wall {wall:.1f} s; PostgreSQL CPU {pg:.1f} s; "
        f"load {min(loads):.2f}-{max(loads):.2f}, mean {sum(loads) / len(loads):.2f}"
    )
    print(line)
    with open(out, "a") as f:
        f.write(line + "\n")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
