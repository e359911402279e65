"""Assessing as of a day: features by their validity, accidents of the window before it."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from factories import CRS, X0, Y0, city_data, make_accidents, make_hazmat
from shapely.geometry import Point

from riskmap.errors import ConfigError
from riskmap.pipeline import Study


def _study(as_of: str | None, hazmat: gpd.GeoDataFrame | None = None, **kw: object) -> Study:
    return Study.from_data(
        city_data(hazmat=hazmat, **kw), register=None, cell_size=1000, as_of=as_of
    )


def _opening() -> gpd.GeoDataFrame:
    hz = make_hazmat(["OLD", "NEW"], ["二级", "一级"], [(1500, 1500), (7500, 4500)])
    hz["valid_from"] = pd.to_datetime([None, "2024-06-01"])
    hz["valid_to"] = pd.NaT
    return hz


def test_a_feature_valid_only_after_a_day_does_not_act_before_it() -> None:
    before = _study("2024-05-31", _opening())
    after = _study("2024-06-01", _opening())
    assert list(before.data.layers["hazmat"].gdf["id"]) == ["OLD"]
    assert list(after.data.layers["hazmat"].gdf["id"]) == ["OLD", "NEW"]
    h0 = before.score().cells["hazard"].to_numpy()
    h1 = after.score().cells["hazard"].to_numpy()
    assert (h1 >= h0).all() and (h1 > h0).any()


def test_a_closed_feature_stops_acting_on_its_closing_day_and_today() -> None:
    hz = make_hazmat(["A", "B"], ["二级", "二级"], [(1500, 1500), (7500, 4500)])
    hz["valid_from"] = pd.NaT
    hz["valid_to"] = pd.to_datetime(["2024-03-01", None])
    assert list(_study("2024-02-29", hz).data.layers["hazmat"].gdf["id"]) == ["A", "B"]
    assert list(_study("2024-03-01", hz).data.layers["hazmat"].gdf["id"]) == ["B"]
    # Without a day the features valid today act: A closed in 2024.
    assert list(_study(None, hz).data.layers["hazmat"].gdf["id"]) == ["B"]


def test_accidents_count_within_the_window_before_the_day() -> None:
    # The test city's accidents: 2024-01-05, 2024-01-20, 2024-02-11, 2024-04-02.
    study = _study("2024-02-15")
    assert sorted(study.data.layers["accidents"].gdf["id"]) == ["A1", "A2", "A4"]
    later = _study("2027-01-10")  # three years back: from 2024-01-10
    assert sorted(later.data.layers["accidents"].gdf["id"]) == ["A2", "A3", "A4"]
    # Without a day every accident of the file counts.
    assert len(_study(None).data.layers["accidents"].gdf) == 4


def test_every_output_records_the_day() -> None:
    a = _study("2024-02-15").score()
    assert a.params["as_of"] == "2024-02-15"
    assert "as_of" not in _study(None).score().params


def test_a_bad_day_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="not a date: write it as 2020-12-31"):
        _study("31/12/2020")


def test_adding_one_accident_moves_exactly_the_cells_in_its_reach() -> None:
    from riskmap.products.change import compare_cells

    base = make_accidents()
    extra = pd.concat(
        [
            base,
            gpd.GeoDataFrame(
                {"id": ["A9"], "name": ["新"], "date": pd.to_datetime(["2024-03-01"]),
                 "type": ["火灾"], "deaths": [3], "injuries": [0], "direct_loss": [1.0]},
                geometry=[Point(X0 + 4300, Y0 + 3400)],
                crs=CRS,
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    study = Study.from_data(city_data(accidents=base), register=None, cell_size=1000)
    a = study.score()
    b = Study.from_data(city_data(accidents=extra), register=None, cell_size=1000).score()
    moved = a.cells["hazard"].to_numpy() != b.cells["hazard"].to_numpy()
    # The accident kind's reach is 1,000 m: the cells whose centre is within it (here the
    # accident's cell and the two neighbours whose centres are nearer than 1 km).
    d = np.hypot(study.cells["x"] - (X0 + 4300), study.cells["y"] - (Y0 + 3400)).to_numpy()
    np.testing.assert_array_equal(moved, d < 1000)
    assert moved.sum() == 3
    change = compare_cells(a.cells, b.cells)
    assert not (change.cells["score_delta"].to_numpy()[~moved] != 0).any()


# ---- the data as of a day are kept for the same data and day


def _ids(data: object, layer: str) -> list[str]:
    return list(data.layers[layer].gdf["id"])  # type: ignore[attr-defined]


def test_the_data_as_of_a_day_are_made_once_for_the_same_data_and_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from riskmap.pipeline import timeline

    made: list[object] = []
    real = timeline._as_of_data
    monkeypatch.setattr(
        timeline, "_as_of_data", lambda data, day, **kw: made.append(day) or real(data, day, **kw)
    )
    data = city_data(hazmat=_opening())
    first = Study.from_data(data, register=None, cell_size=1000, as_of="2024-05-31")
    again = Study.from_data(data, register=None, cell_size=1000, as_of="2024-05-31")
    assert again.base is first.base  # the same frames, not made again
    assert len(made) == 1
    # The same frames as made afresh.
    fresh = real(data, first.as_of, history=True)
    for name, layer in fresh.layers.items():
        pd.testing.assert_frame_equal(first.base.layers[name].gdf, layer.gdf)
    # Another day is another result.
    later = Study.from_data(data, register=None, cell_size=1000, as_of="2024-06-01")
    assert _ids(first.base, "hazmat") == ["OLD"]
    assert _ids(later.base, "hazmat") == ["OLD", "NEW"]
    assert len(made) == 2


def test_changed_data_are_never_served_the_data_of_before() -> None:
    data = city_data(hazmat=_opening())
    assert _ids(_study_of(data).base, "hazmat") == ["OLD"]
    # New data (e.g. a file changed, read again): a new ProjectData.
    reopened = _opening()
    reopened.loc[0, "valid_to"] = pd.Timestamp("2024-01-01")  # OLD closed before the day
    changed = data.with_layers({"hazmat": replace(data.layers["hazmat"], gdf=reopened)})
    assert _ids(_study_of(changed).base, "hazmat") == []
    # The same object with a layer replaced in its dict (data are not to be edited, but
    # if they are, the change is seen).
    data.layers["hazmat"] = replace(data.layers["hazmat"], gdf=reopened)
    assert _ids(_study_of(data).base, "hazmat") == []


def test_an_as_of_entry_goes_with_its_data() -> None:
    import gc

    from riskmap.pipeline import timeline

    data = city_data(hazmat=_opening())
    _study_of(data)
    key_ids = {k[0] for k in timeline._AS_OF._items}
    assert id(data) in key_ids
    gone = id(data)
    del data
    gc.collect()
    assert gone not in {k[0] for k in timeline._AS_OF._items}


def _study_of(data: object) -> Study:
    return Study.from_data(data, register=None, cell_size=1000, as_of="2024-05-31")  # type: ignore[arg-type]


def test_dropping_the_last_reference_to_cached_data_does_not_hang() -> None:
    """An as-of result may be the data itself (nothing left out): evicting it frees the
    data, whose finalizer drops its entry from the cache in the same thread; the run
    must go on (it hung the whole test run once, the lock not being re-entrant)."""
    import threading
    from datetime import date

    from riskmap.pipeline.timeline import _AsOfCache

    class Data:  # what the cache's fingerprint reads, and weak references
        def __init__(self) -> None:
            self.project = object()
            self.layers: dict[str, object] = {}

    cache = _AsOfCache(size=1)
    first = Data()
    cache.put(first, date(2020, 1, 1), True, first)  # type: ignore[arg-type]
    del first  # only the cache holds it
    done = threading.Event()

    def put_another() -> None:
        second = Data()
        cache.put(second, date(2020, 1, 1), True, second)  # type: ignore[arg-type]
        done.set()

    threading.Thread(target=put_another, daemon=True).start()
    assert done.wait(10), "evicting the last reference to cached data hung"
