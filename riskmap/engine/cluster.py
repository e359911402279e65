"""Running the tiles of the fields on a dask.distributed cluster.

A tile's fields are a pure function of its cells and the features in its halo
(:func:`~riskmap.engine.tiles._tile_fields`, :func:`~riskmap.engine.tiles._tile_access`),
so tiles become dask tasks: the layers' features are scattered to every worker once,
each task gets its tile's cells and returns that tile's fields, and the results are
stored by cell position as they arrive (in any order). A task whose worker dies is run
again elsewhere (``retries``), and the scattered features are sent again when every worker
holding them died; the result is the same as with threads, bit for bit.

``cluster`` is ``local:N`` (a LocalCluster of N worker processes, started and closed
here), ``tcp://host:8786`` (an existing scheduler) or an open ``distributed.Client``.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

from riskmap.engine.common import Positions
from riskmap.engine.kernels import _Cells, _Features
from riskmap.engine.tiles import _tile_access, _tile_fields
from riskmap.errors import ConfigError

_LOCAL = re.compile(r"^local:(\d+)$")


def check_cluster(spec: str) -> str:
    """``spec`` if it names a cluster riskmap can use, else a ConfigError saying what does."""
    if _LOCAL.match(spec) and int(spec.split(":")[1]) >= 1:
        return spec
    if re.match(r"^(tcp|tls|ucx)://[^\s/]+:\d+$", spec):
        return spec
    raise ConfigError(
        f"cluster '{spec}' is not local:N (N worker processes on this machine) or "
        "tcp://host:port (an existing dask scheduler)"
    )


@contextlib.contextmanager
def open_client(cluster: str | Any, say: Callable[[str], None] | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``cluster`` (closed at the end when opened here).

    Prints (``say``) the dashboard address when the cluster has one.
    """
    from distributed import Client, LocalCluster

    if not isinstance(cluster, str):
        yield cluster
        return
    spec = check_cluster(cluster)
    local = _LOCAL.match(spec)
    if local:
        n = int(local.group(1))
        lc = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        )
        client = Client(lc)
    else:
        lc = None
        try:
            client = Client(spec, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the dask scheduler {spec}: {exc}") from None
    try:
        if say is not None:
            link = getattr(client, "dashboard_link", None)
            workers = len(client.scheduler_info().get("workers", {}))
            say(f"dask cluster {spec}: {workers} workers; dashboard {link or '(none)'}")
        yield client
    finally:
        client.close()
        if lc is not None:
            lc.close()


def _fields_task(tile: _Cells, shared: tuple[list[_Features], int]) -> dict[str, Any]:
    """One tile's fields (run on a worker): ``shared`` is (the layers' features, k)."""
    feats, k = shared
    return _tile_fields(tile, [f.select(tile.bounds) for f in feats], k)


def _access_task(tile: _Cells, demand_xy: Any, demand_pop: Any, shelters: _Features) -> Any:
    """One tile's shelter access (run on a worker)."""
    return _tile_access(tile, demand_xy, demand_pop, shelters.select(tile.bounds))


def run_tiles(
    client: Any | None,
    fn: Callable[..., Any],
    tiles: Sequence[Positions],
    args_of: Callable[[Positions], tuple[Any, ...]],
    *,
    shared: Any,
    on_result: Callable[[int, Any], None],
    store: Callable[[int, Any], None] | None = None,
) -> None:
    """Run ``fn(*args_of(tile), shared)`` for every tile and hand each result to
    ``store(tile number, result)``, when given, then ``on_result(tile number, result)``
    as it arrives.

    With a client, tiles are tasks (:func:`run_tasks`: ``shared`` scattered to every worker
    once, a task retried on another worker when theirs dies); without, two threads run them,
    the caller's and one more (the caller's thread allocates from memory the process has
    already touched, a new thread from fresh pages, each first write a page fault), taking
    the tiles in order, and each hands its results on itself: to ``store`` at once (the
    two threads' stores may run together: for writing each tile's results at its own
    cells, which no other tile has), then to ``on_result`` one at a time (it need not be
    thread-safe). Storing a tile's result (numpy, mostly without the GIL) overlaps the
    other thread's work, and no result waits in memory.
    """

    def hand(i: int, result: Any) -> None:
        if store is not None:
            store(i, result)
        on_result(i, result)

    if client is None:
        lock = threading.Lock()
        pending = iter(range(len(tiles)))
        failed: list[BaseException] = []

        def work() -> None:
            while not failed:
                with lock:
                    i = next(pending, None)
                if i is None:
                    return
                try:
                    result = fn(*args_of(tiles[i]), shared)
                    if store is not None:
                        store(i, result)
                    with lock:
                        on_result(i, result)
                except BaseException as exc:
                    failed.append(exc)  # (the other thread stops after its tile)
                    raise

        helpers = min(2, os.cpu_count() or 1) - 1
        with ThreadPoolExecutor(max_workers=max(helpers, 1)) as pool:
            helping = [pool.submit(work) for _ in range(helpers)]
            work()
            for h in helping:
                h.result()  # (re-raises a tile's error)
        return

    def lean(args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(a.lean() if isinstance(a, _Cells) else a for a in args)

    run_tasks(
        client,
        fn,
        len(tiles),
        lambda i: lean(args_of(tiles[i])),
        shared=shared,
        on_result=hand,
    )


RESUBMITS = 3
"""How many times a task is sent again after the cluster lost its shared input."""


def run_tasks(
    client: Any,
    fn: Callable[..., Any],
    n: int,
    args_of: Callable[[int], tuple[Any, ...]],
    *,
    shared: Any,
    on_result: Callable[[int, Any], None],
    window: int | None = None,
) -> None:
    """Run ``fn(*args_of(i), shared)`` for ``i`` in ``range(n)`` as tasks on ``client``'s
    cluster and hand each result to ``on_result(i, result)`` as it arrives.

    ``shared`` is scattered to every worker once. A task whose worker dies is run again
    elsewhere (``retries``). Scattered data cannot be recomputed: when every worker that held
    it dies (one worker, or all of them, killed), the scheduler forgets it and cancels the
    tasks that need it; then ``shared`` is scattered again (once per loss, waiting for a
    worker) and those tasks are sent again, up to :data:`RESUBMITS` times each. A task that
    comes back a second time (rerun after its worker died, after it was taken) is skipped.
    ``window``: at most that many tasks in flight (their arguments are sent as needed).
    """
    from concurrent.futures import CancelledError

    from distributed import as_completed

    scattered = [client.scatter(shared, broadcast=True)]
    sent: dict[Any, tuple[int, int]] = {}  # future -> (task, scatter generation)
    resent = [0] * n
    pending = iter(range(n))

    def submit(i: int) -> Any:
        # A task's own arguments (a part's cells: megabytes) are sent with it on purpose,
        # a few tasks at a time: dask's advice to scatter them would send the same bytes.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            future = client.submit(fn, *args_of(i), scattered[-1], pure=False, retries=3)
        sent[future] = (i, len(scattered) - 1)
        return future

    done = as_completed([submit(i) for i in islice(pending, window or n)])
    for future in done:
        i, generation = sent.pop(future, (-1, -1))
        if i < 0:
            continue
        try:
            result = future.result()
        except CancelledError:
            resent[i] += 1
            if resent[i] > RESUBMITS:
                raise
            if generation == len(scattered) - 1:  # the first task to see this loss
                scattered.append(client.scatter(shared, broadcast=True))
            done.add(submit(i))
            continue
        on_result(i, result)
        for j in islice(pending, 1):
            done.add(submit(j))
