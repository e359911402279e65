"""Tiles on a real dask.distributed LocalCluster (two worker processes): the same fields
as two threads, bit for bit, also when a worker is killed in the middle of the run."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from factories import city_data, make_hazmat

from riskmap.engine import compute_fields
from riskmap.engine.cluster import check_cluster
from riskmap.errors import ConfigError
from riskmap.pipeline import Study

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _study() -> Study:
    rng = np.random.default_rng(3)
    xy = [(float(x), float(y)) for x, y in rng.uniform(0, [10_000, 6_000], size=(40, 2))]
    grades = list(rng.choice(["一级", "二级", "三级", "四级", "无"], size=40))
    hz = make_hazmat([f"W{i:03d}" for i in range(40)], grades, xy)
    return Study.from_data(city_data(hazmat=hz), register=None, cell_size=250, tile_size=1000)


def _same(a: Any, b: Any) -> None:
    assert a.raw.keys() == b.raw.keys()
    for name in a.raw:
        np.testing.assert_array_equal(a.raw[name], b.raw[name])
    for x, y in zip(a.top, b.top, strict=True):
        np.testing.assert_array_equal(x, y)
    assert list(a.contributors_of()) == list(b.contributors_of())


def test_tiles_on_the_cluster_give_the_same_fields(client: Any) -> None:
    from distributed import get_task_stream

    study = _study()
    here = study.fields
    with get_task_stream(client) as stream:
        there = compute_fields(study.data, study.cells, tile_size=1000, client=client)
    _same(here, there)
    ran = [str(t["key"]) for t in stream.data]
    assert any(k.startswith("_fields_task") for k in ran), ran  # on the workers, not here


def test_a_worker_killed_mid_run_is_replaced_and_the_result_is_the_same(client: Any) -> None:
    study = _study()
    client.wait_for_workers(2, timeout=60)  # a worker killed by an earlier test is back
    pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "fields" and done == 2 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    there = compute_fields(
        study.data, study.cells, tile_size=1000, client=client, progress=progress
    )
    assert killed
    _same(study.fields, there)


def test_a_study_with_a_cluster_scores_like_one_without(client: Any) -> None:
    plain = _study().score()
    clustered = Study.from_data(
        _study().data, register=None, cell_size=250, tile_size=1000, cluster=client
    ).score()
    np.testing.assert_array_equal(plain.cells["score"], clustered.cells["score"])
    np.testing.assert_array_equal(plain.cells["level_rank"], clustered.cells["level_rank"])


def test_parts_scored_and_written_by_workers_equal_parts_scored_here(
    client: Any, tmp_path: Path
) -> None:
    """Each part is scored and written by a worker; one worker is killed after the first
    part: its parts run again elsewhere and every file and kept column is the same."""
    import geopandas as gpd

    from riskmap.pipeline.parts import assess_in_parts

    here = assess_in_parts(_study(), tmp_path / "here", rows=200)
    client.wait_for_workers(2, timeout=60)
    pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "parts" and done == 1 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    study = Study.from_data(
        _study().data, register=None, cell_size=250, tile_size=1000, cluster=client
    )
    there = assess_in_parts(study, tmp_path / "there", rows=200, progress=progress)
    assert killed
    a, b = (
        gpd.read_parquet(tmp_path / "here" / "cells"),
        gpd.read_parquet(tmp_path / "there" / "cells"),
    )
    assert len(list((tmp_path / "there" / "cells").iterdir())) == -(-len(a) // 200) > 2
    for col in ("cell_id", "score", "level_rank", "contributors", "coping_gap", "hotspot_z"):
        assert a[col].equals(b[col]), col
    pd.testing.assert_frame_equal(pd.DataFrame(here.cells), pd.DataFrame(there.cells))
    pd.testing.assert_frame_equal(here.sensitivity, there.sensitivity)


def _slow_len(i: int, shared: str) -> int:
    time.sleep(0.2)
    return i + len(shared)


def test_tasks_finish_when_the_cluster_loses_every_copy_of_their_shared_input() -> None:
    """The only worker holding the scattered input is killed after the first result (the
    scheduler forgets the input and cancels every task needing it; its nanny starts a new
    worker): the input is scattered again and every task still gives its result once."""
    from distributed import Client, LocalCluster

    from riskmap.engine.cluster import run_tasks

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        pid = next(iter(c.run(os.getpid).values()))
        got: list[tuple[int, int]] = []

        def keep(i: int, result: int) -> None:
            if not got:
                os.kill(pid, signal.SIGKILL)
            got.append((i, result))

        run_tasks(c, _slow_len, 6, lambda i: (i,), shared="x" * 1000, on_result=keep, window=2)
        assert next(iter(c.run(os.getpid).values())) != pid  # it did die
    assert sorted(got) == [(i, 1000 + i) for i in range(6)]


@pytest.mark.parametrize("spec", ["local:0", "local", "dask://x", "tcp://host"])
def test_a_cluster_that_is_not_local_n_or_tcp_is_refused(spec: str) -> None:
    with pytest.raises(ConfigError, match="local:N"):
        check_cluster(spec)
