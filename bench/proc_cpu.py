"""Where the CPU of a run went: CPU time and run-queue wait of this process's tree, by kind (Linux /proc).

`TreeCPU` polls /proc from a thread while a block runs and keeps each process's last reading, so
processes that end within the block count too (Ray Data ends its actors when the operator is
done; a process is read up to one interval before it ends). Per process it has CPU seconds
(/proc/PID/stat) and, for Ray's pool actors, per thread, the time on a CPU and the time spent
runnable but waiting for one (/proc/PID/task/TID/schedstat): wall time = on CPU + run-queue wait
+ asleep, so an actor's run-queue wait is the machine's load and its sleep is time it had no work.
These are what the load cannot fake: the CPU seconds a run costs, and how much of it was ours.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


def _kind(pid: int, root: int) -> str | None:
    """What a process of the tree is: driver (the bench), actor, raylet, gcs, a Ray worker by its
    task's name (Ray titles each worker after what it runs), peel, or other."""
    if pid == root:
        return "driver"
    try:
        command = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    if not command:
        return "other"  # a zombie: it keeps the kind it had (TreeCPU._keep)
    if "CutoutWriter" in command:
        return "actor"
    if command.startswith("ray::"):
        # ray::IDLE, ray::ReadBinary->..., ray::_StatsActor.update...: the task's name, not its method
        return "ray worker " + command.split()[0][5:].split(".")[0].split("->")[0]
    if "default_worker.py" in command:
        return "ray worker (starting)"
    name = os.path.basename(command.split()[0])
    if name in ("gcs_server", "raylet"):
        return name
    if "peel.desktop.cli" in command or "multiprocessing" in command:  # `peel --jobs` and its pool
        return "peel"
    return "other " + name


def _tree(root: int) -> list[int]:
    parents = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    ours = {root}
    for pid in parents:
        chain = []
        while pid in parents and pid not in ours and pid > 1:
            chain.append(pid)
            pid = parents[pid]
        if pid in ours:
            ours.update(chain)
    return sorted(ours)


def _cpu(path: Path) -> float:
    stat = path.read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _reading(pid: int, kind: str) -> dict:
    """CPU seconds; for an actor also on-CPU and run-queue seconds summed over its threads."""
    reading = {"kind": kind, "cpu": _cpu(_PROC / str(pid) / "stat"), "run": 0.0, "wait": 0.0, "main": 0.0}
    if kind == "actor":
        # Ray runs an actor's constructor (imports, the model session) on the process's main thread
        # and its tasks on another: the main thread's CPU is the actor's start, the rest its work.
        reading["main"] = _cpu(_PROC / str(pid) / "task" / str(pid) / "stat")
        for task in (_PROC / str(pid) / "task").iterdir():
            try:
                run, wait, _ = (task / "schedstat").read_text().split()
            except (OSError, ValueError):
                continue
            reading["run"] += int(run) / 1e9
            reading["wait"] += int(wait) / 1e9
    return reading


class TreeCPU:
    """Context manager: CPU of this process's tree during the block, by kind of process.

    After the block: ``seconds`` (wall), ``by_kind`` {kind: CPU seconds}, ``total``, ``started``
    (processes born in the block, by kind), ``started_cpu`` (their CPU seconds, actors left out),
    ``actor_start`` and ``actor_work`` (the actors' CPU seconds on their main thread, i.e. their
    start, and on the others, i.e. their tasks), ``actors`` [(on CPU, run-queue wait, alive)
    seconds of each actor born in the block], ``sampler`` (CPU seconds the polling itself cost,
    taken off the driver's).
    """

    def __init__(self, interval_s: float = 1.0):
        self.interval_s = interval_s
        self.root = os.getpid()
        self._stop = threading.Event()

    def _poll(self) -> None:
        for pid in _tree(self.root):
            kind = _kind(pid, self.root)
            try:
                reading = _reading(pid, kind) if kind else None
            except OSError:
                continue
            if reading is None:
                continue
            if kind == "other" and pid in self._last:
                reading["kind"] = self._last[pid]["kind"]
            if pid not in self._first and pid not in self._born:
                self._born[pid] = time.monotonic()
            self._last[pid] = {**reading, "seen": time.monotonic()}

    def _loop(self) -> None:
        started = time.thread_time()
        while not self._stop.wait(self.interval_s):
            self._poll()
        self.sampler = time.thread_time() - started

    def __enter__(self):
        self._first, self._last, self._born = {}, {}, {}
        for pid in _tree(self.root):
            kind = _kind(pid, self.root)
            try:
                if kind:
                    self._first[pid] = _reading(pid, kind)
            except OSError:
                continue
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="tree-cpu")
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._poll()
        end = time.monotonic()
        self.seconds = end - self._t0
        self.by_kind, self.started, self.actors = defaultdict(float), defaultdict(int), []
        self.actor_start = self.actor_work = self.started_cpu = 0.0
        for pid, last in self._last.items():
            first = self._first.get(pid, {"cpu": 0.0, "run": 0.0, "wait": 0.0, "main": 0.0})
            kind = last["kind"]
            self.by_kind[kind] += last["cpu"] - first["cpu"]
            if kind == "actor":
                self.actor_start += last["main"] - first["main"]
                self.actor_work += last["cpu"] - first["cpu"] - (last["main"] - first["main"])
            if pid not in self._first:
                self.started[kind] += 1
                if kind != "actor":
                    self.started_cpu += last["cpu"]
                if kind == "actor":
                    alive = last["seen"] - self._born[pid]
                    self.actors.append((last["run"], last["wait"], alive))
        self.by_kind["driver"] -= self.sampler
        self.total = sum(self.by_kind.values())
        return False
