"""方法 — docs/METHOD.md, with the weights and level rule in use."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cache, common, state
from app.common import t

METHOD_FILE = cache.ROOT / "docs" / "METHOD.md"


def _weights_table(ctx: cache.Context) -> pd.DataFrame:
    a = ctx.assessment
    rows = [
        {t("col_parameter"): t(f"comp_{c}"), t("col_weight"): a.weights.component(c)}
        for c in state.COMPONENT_WEIGHTS
    ]
    layer_weights = a.explain(str(a.cells["cell_id"].iloc[0]), state.lang())["weights"]["layers"]
    rows += [
        {t("col_parameter"): common.layer_label(ctx.data, name), t("col_weight"): float(w)}
        for name, w in layer_weights.items()
    ]
    return pd.DataFrame(rows)


def render() -> None:
    ctx = cache.open_page("page_method", show_caption=False)
    if ctx is None:
        return
    st.subheader(t("current_weights"))
    st.caption(ctx.caption())
    st.dataframe(_weights_table(ctx), hide_index=True, width="stretch")
    levels = ctx.assessment.levels
    params = {t("level_rule"): t(f"rule_{levels.rule}")}
    if levels.rule == "matrix":
        params["likelihood_breaks"] = ", ".join(f"{v:g}" for v in levels.likelihood_breaks)
        params["severity_breaks"] = ", ".join(f"{v:g}" for v in levels.severity_breaks)
    elif levels.rule == "breaks":
        params["score_breaks"] = ", ".join(f"{v:g}" for v in levels.score_breaks)
    else:
        thresholds = ctx.assessment.params.get("score_thresholds")
        if thresholds:
            params["score_thresholds"] = ", ".join(f"{float(v):.2f}" for v in thresholds)
    st.table(pd.DataFrame({t("col_parameter"): list(params), t("d_value"): list(params.values())}))
    st.divider()
    if METHOD_FILE.is_file():
        st.markdown(METHOD_FILE.read_text(encoding="utf-8"))
    else:
        st.info(t("method_missing"))


if __name__ == "__main__":
    render()
