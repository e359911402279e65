"""A validation report as the app shows it: layers by their names, blanks where a problem
has no row or column."""

from __future__ import annotations

from factories import city_data

from app import common
from riskmap.errors import Problem


def test_a_report_names_layers_and_leaves_what_is_unknown_blank() -> None:
    data = city_data()
    layer = next(iter(data.layers))
    problems = [
        Problem("warning", "reader_warning", "a warning of the reader", "", "pop.csv", layer),
        Problem("error", "bad_value", "not a number", "fix it", "pop.csv", layer, 7, "人口"),
    ]
    frame = common.report_frame(problems, data)
    shown = frame.to_numpy().tolist()
    assert [row[2] for row in shown] == [common.layer_label(data, layer)] * 2
    assert common.layer_label(data, layer) != layer
    assert [row[4] for row in shown] == ["", "7"]
    assert [row[5] for row in shown] == ["", "人口"]
    assert not frame.isna().to_numpy().any()
