"""Ray for ``peel bulk``: start or join a cluster, and the dataset that reads, cuts out and writes.

The pipeline is read → cut out and write, streamed by Ray Data: ``read_binary_files`` tasks read
the files as bytes (never decoded arrays in the object store: a 24 MP RGBA array is ~96 MB), and a
fixed pool of actors runs :class:`~peel.desktop.bulk.stage.CutoutStage` and writes each output
where it was made (:class:`CutoutWriter`), so only the report rows travel on to the driver. The
writes are in the actors rather than in tasks of their own because each concurrent task is one
more Python process to start, which on a small machine cost more than the cut-outs.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ..cli import describe_error
from .stage import CutoutStage
from .storage import write_file

__all__ = ["prepare_local_ray", "start_local_ray", "connect", "cutout_dataset", "CutoutWriter", "write_outputs", "ACTOR_CPU_SHARE",
           "IO_CPUS", "ACTORS_PER_READ_TASK", "read_tasks"]

#: An actor asks Ray for this share of a CPU per onnxruntime thread, and each read task for
#: IO_CPUS: on two cores, two actors that took a whole CPU each would leave nothing for the read
#: tasks that feed them, and the job would wait forever.
ACTOR_CPU_SHARE = 0.9
IO_CPUS = 0.1

#: Actors per concurrent read task. Every concurrent read task is a Python worker process that
#: Ray starts (importing Ray: ~2 CPU s each, measured by bench/bulk.py) and ends again when idle;
#: left alone, Ray Data ran as many as the spare CPU shares allowed (8 processes for one actor on
#: two cores). A read task spends ~4 ms of CPU on a file where an actor spends about a second, so
#: one keeps several actors fed (an object store's latency was not measured here: lower this if
#: actors wait for input there).
ACTORS_PER_READ_TASK = 4


#: The environment of a local Ray that talks over loopback only. Ray 2.60 replaces a node IP of
#: 127.0.0.1 by the host's network address (and its servers then listen on every interface)
#: unless it runs in its single-machine mode, which it reads from the first variable when it is
#: imported; the second keeps it from reporting usage.
LOCAL_RAY_ENVIRONMENT = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def prepare_local_ray():
    """Set :data:`LOCAL_RAY_ENVIRONMENT` (where not set already); call it before ``import ray``."""
    for name, value in LOCAL_RAY_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def start_local_ray(num_cpus=None):
    """Start Ray on this machine only: on 127.0.0.1, no dashboard, no usage report.

    The workers import the very ``peel`` the driver runs (its folder goes first on their
    PYTHONPATH), so a source checkout works as an installed package does.

    Raises
    ------
    RuntimeError
        Ray was imported before :func:`prepare_local_ray` and took the host's address.
    """
    prepare_local_ray()
    import ray

    package_parent = str(Path(__file__).resolve().parents[3])
    python_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    for attempt in range(2):
        try:
            ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                     runtime_env={"env_vars": {"PYTHONPATH": python_path}}, log_to_driver=False)
            break
        except Exception as error:  # noqa: BLE001 — Ray raises a bare Exception for this
            # Ray gives its raylet a fixed 30 s to register; an overloaded machine can miss that.
            ray.shutdown()
            if attempt or "timed out during startup" not in str(error):
                raise
    address = ray.util.get_node_ip_address()
    if address != "127.0.0.1":
        ray.shutdown()
        raise RuntimeError(f"the local Ray took {address}, not 127.0.0.1: call prepare_local_ray() before "
                           "importing ray")


def connect(address=None, num_cpus=None) -> bool:
    """Join the Ray cluster at `address` (``auto``, ``ray://host:10001``...), or start a local one
    without; a Ray already initialised in this process is used as it is. True when this call
    started or joined it (the caller shuts it down)."""
    import ray

    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        start_local_ray(num_cpus)
    return True


def cutout_dataset(paths, source_filesystem, target_filesystem, stage_options, *, workers, threads=1,
                   gpus_per_worker=0.0, batch_size=1):
    """The lazy Ray dataset of report rows for `paths`: read, cut out on `workers` actors, write.

    Parameters
    ----------
    paths : list of str
        Input files on `source_filesystem`.
    source_filesystem, target_filesystem : pyarrow.fs.FileSystem
    stage_options : dict
        The keyword arguments of :class:`CutoutStage` but ``threads``.
    workers : int
        Actors in the pool, each with its own onnxruntime session.
    threads : int
        onnxruntime threads per actor; Ray reserves ``threads × ACTOR_CPU_SHARE`` CPUs for it.
    gpus_per_worker : float
        A share of a GPU per actor (0.25: four actors per GPU); 0 runs on CPUs.
    batch_size : int
        Files per call of an actor.

    Returns
    -------
    ray.data.Dataset
        Columns ``path``, ``output``, ``size``, ``code``, ``message`` (see
        :data:`~peel.desktop.bulk.stage.OUTPUT_COLUMNS`); nothing runs until it is consumed.
    """
    import ray

    # One block per file: a file (megabytes) is the unit of work, so no actor waits while another
    # works through a block of several (read_binary_files would pack the files into a few blocks,
    # and an actor takes a whole block: 12 files in one block kept a second actor idle).
    dataset = ray.data.read_binary_files(paths, include_paths=True, filesystem=source_filesystem,
                                         num_cpus=IO_CPUS, override_num_blocks=len(paths),
                                         concurrency=read_tasks(workers))
    gpu_options = {"num_gpus": gpus_per_worker} if gpus_per_worker else {}
    return dataset.map_batches(
        CutoutWriter, fn_constructor_args=(target_filesystem,),
        fn_constructor_kwargs={**stage_options, "threads": threads}, batch_size=batch_size,
        batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=workers),
        # A dead actor (a node lost, a process killed) is made again and its batch run again: Ray
        # Data's actor pools default to max_restarts=-1 and max_task_retries=-1 (passing them is
        # deprecated since 2.60); tests/unit/test_bulk.py kills an actor mid-run to hold them to it.
        num_cpus=threads * ACTOR_CPU_SHARE, **gpu_options)


def read_tasks(workers):
    """Read tasks at a time for a pool of `workers` actors (see :data:`ACTORS_PER_READ_TASK`).

    >>> read_tasks(1), read_tasks(2), read_tasks(1500)
    (1, 1, 375)
    """
    return max(1, math.ceil(workers / ACTORS_PER_READ_TASK))


class CutoutWriter:
    """An actor's work: :class:`CutoutStage` on a batch, then :func:`write_outputs` of its rows.

    Parameters
    ----------
    filesystem : pyarrow.fs.FileSystem
        Where the outputs go.
    **stage_options
        The arguments of :class:`CutoutStage`.
    """

    def __init__(self, filesystem, **stage_options):
        self.filesystem = filesystem
        self.stage = CutoutStage(**stage_options)

    def __call__(self, batch):
        return write_outputs(self.stage(batch), self.filesystem)


def write_outputs(batch, filesystem):
    """Write each row's output file and drop its bytes; a failed write becomes an error row.

    Parameters
    ----------
    batch : dict of numpy.ndarray
        Rows of :meth:`CutoutStage.__call__`.
    filesystem : pyarrow.fs.FileSystem
        Where the ``output`` paths are.

    Returns
    -------
    dict of numpy.ndarray
        The same rows without ``bytes``.
    """
    codes, messages = batch["code"].copy(), batch["message"].copy()
    for index, (output, data) in enumerate(zip(batch["output"], batch["bytes"])):
        if codes[index]:
            continue
        try:
            write_file(filesystem, str(output), bytes(data))
        except Exception as error:  # noqa: BLE001 — one failed write must not fail the job
            codes[index], messages[index] = describe_error(error)
    return {"path": batch["path"], "output": batch["output"], "size": batch["size"], "code": codes,
            "message": messages}
