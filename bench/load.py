"""Is anything else using the CPU while we measure? (Linux /proc; a no-op elsewhere.)

On a 2-core machine one other busy process halves the numbers, so each measured block records
how much CPU the processes outside this bench's own process tree (the bench, its Playwright
driver, its Chromium) used meanwhile, in cores, and the bench waits for a quiet machine first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

#: Longest wait for a quiet machine, in seconds; scripts set it from their --max-wait option.
MAX_WAIT_S = 60.0

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, user+system CPU ticks) of every readable process."""
    found = {}
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def _foreign_ticks(processes: dict[int, tuple[int, int]], root: int) -> dict[int, int]:
    """CPU ticks of the processes that are neither `root` nor descended from it."""
    ours: dict[int, bool] = {}

    def is_ours(pid: int) -> bool:
        chain = []
        while pid not in ours:
            if pid == root:
                ours[pid] = True
                break
            if pid not in processes or pid <= 1:
                ours[pid] = False
                break
            chain.append(pid)
            pid = processes[pid][0]
        for seen in chain:
            ours[seen] = ours[pid]
        return ours[pid]

    return {pid: ticks for pid, (_, ticks) in processes.items() if not is_ours(pid)}


class ForeignLoad:
    """Context manager: `.cores` = average CPU cores used by other processes during the block."""

    def __init__(self, root: int | None = None):
        self.root = root or os.getpid()
        self.cores = 0.0

    def __enter__(self):
        self._start = _foreign_ticks(_processes(), self.root)
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc):
        end = _foreign_ticks(_processes(), self.root)
        elapsed = max(time.monotonic() - self._t0, 1e-3)
        # Processes that started during the block count from zero; those that ended are lost
        # (a short-lived foreign process can hide: this is a warning light, not an accountant).
        used = sum(ticks - self._start.get(pid, 0) for pid, ticks in end.items())
        self.cores = round(max(used, 0) / _TICKS / elapsed, 2)
        return False


def wait_quiet(limit_cores: float = 0.15, window_s: float = 1.0, timeout_s: float | None = None,
               log=print) -> float:
    """Wait until other processes use less than `limit_cores` over `window_s`; return that load.

    Gives up after `timeout_s` (and says so): the numbers are then marked by their load column.
    """
    deadline = time.monotonic() + (MAX_WAIT_S if timeout_s is None else timeout_s)
    told = False
    while True:
        with ForeignLoad() as load:
            time.sleep(window_s)
        if load.cores < limit_cores or time.monotonic() > deadline:
            if told or load.cores >= limit_cores:
                log(f"  (machine {'quiet' if load.cores < limit_cores else 'still busy'}: "
                    f"{load.cores:.2f} cores used by other processes)")
            return load.cores
        if not told:
            log(f"  waiting for a quiet machine ({load.cores:.2f} cores used by other processes)…")
            told = True


def clean_runs(measure, runs: int, limit_cores: float = 0.1, max_attempts: int | None = None,
               log=print) -> tuple[list, list[float]]:
    """Call `measure()` until `runs` results were taken with other processes below `limit_cores`.

    A result taken on a busy machine is dropped and the machine is waited for; after
    `max_attempts` calls (default 3 × runs) the least-disturbed results fill the gap.
    Returns (results, foreign cores of each kept result).
    """
    max_attempts = max_attempts or 3 * runs
    clean, busy = [], []
    for _attempt in range(max_attempts):
        boost()
        with ForeignLoad() as load:
            result = measure()
        (clean if load.cores < limit_cores else busy).append((load.cores, result))
        if len(clean) >= runs:
            break
        if load.cores >= limit_cores:
            wait_quiet(limit_cores, timeout_s=min(30.0, MAX_WAIT_S), log=log)
    kept = clean + sorted(busy, key=lambda pair: pair[0])[: max(0, runs - len(clean))]
    return [result for _, result in kept], [cores for cores, _ in kept]


#: Niceness given to the bench's own processes by boost(); None leaves priorities alone.
BOOST_NICE: int | None = None


def boost(root: int | None = None) -> int:
    """Raise the scheduling priority of every thread of the bench's process tree (BOOST_NICE).

    For measuring on a machine that others share: on Linux niceness is per thread, and Chromium
    sets its renderers' own, so each thread is set, again before each block (new renderers and
    threads appear all the time). Needs root for a negative niceness; returns threads changed.
    """
    if BOOST_NICE is None:
        return 0
    root = root or os.getpid()
    processes = _processes()
    foreign = _foreign_ticks(processes, root)
    changed = 0
    for pid in processes:
        if pid in foreign:
            continue
        try:
            tids = [int(t.name) for t in (_PROC / str(pid) / "task").iterdir()]
        except OSError:
            continue
        for tid in tids:
            try:
                if os.getpriority(os.PRIO_PROCESS, tid) != BOOST_NICE:
                    os.setpriority(os.PRIO_PROCESS, tid, BOOST_NICE)
                    changed += 1
            except OSError:
                pass
    return changed


def add_arguments(parser) -> None:
    """The bench scripts' options for a shared machine (--boost, --max-wait); see configure()."""
    parser.add_argument("--boost", type=int, metavar="NICE", nargs="?", const=-10,
                        help="run the bench's processes (Chromium's threads included) at this niceness "
                             "(default -10; root only): for a machine that others share")
    parser.add_argument("--max-wait", type=float, default=60.0,
                        help="longest wait for a quiet machine before each block, in seconds")


def configure(args) -> None:
    """Apply add_arguments()'s options and start the booster."""
    global MAX_WAIT_S, BOOST_NICE
    MAX_WAIT_S = args.max_wait
    BOOST_NICE = args.boost
    start_booster()


def start_booster(interval_s: float = 0.5) -> None:
    """boost() now and every `interval_s` from a daemon thread (threads appear mid-block)."""
    if BOOST_NICE is None:
        return
    import threading

    def loop():
        while True:
            boost()
            time.sleep(interval_s)

    threading.Thread(target=loop, daemon=True, name="bench-booster").start()


class BusyProcesses:
    """``count`` processes that keep a core busy each (a bare Python loop) while a block runs:
    how a target "under two busy processes" is measured. They are the bench's own children, so
    they count as its load (not foreign) and --boost gives them its niceness too."""

    def __init__(self, count: int):
        self.count = count
        self.processes = []

    def __enter__(self):
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.count)]
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()
        return False
