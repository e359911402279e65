"""方法 — the method for analysts in the page's language (app/method/zh.md, en.md), the
weights and level rule in use, and the full method (docs/METHOD.md) for specialists."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from app import cache, common, state
from app.common import t

METHOD_FILE = cache.ROOT / "docs" / "METHOD.md"
ANALYST_DIR = Path(__file__).resolve().parents[1] / "method"


def _specialists_text(text: str) -> str:
    """docs/METHOD.md without what is there for its tests (HTML comments, JSON blocks)."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return re.sub(r"```json\n.*?```\n?", "", text, flags=re.S)


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
    common.show_table(_weights_table(ctx))
    levels = ctx.assessment.levels
    params = {t("level_rule"): t(f"rule_{levels.rule}")}
    if levels.rule == "matrix":
        params[t("p_likelihood_breaks")] = ", ".join(f"{v:g}" for v in levels.likelihood_breaks)
        params[t("p_severity_breaks")] = ", ".join(f"{v:g}" for v in levels.severity_breaks)
    elif levels.rule == "breaks":
        params[t("p_score_breaks")] = ", ".join(f"{v:g}" for v in levels.score_breaks)
    else:
        thresholds = ctx.assessment.params.get("score_thresholds")
        if thresholds:
            params[t("p_score_thresholds")] = ", ".join(f"{float(v):.2f}" for v in thresholds)
    st.table(pd.DataFrame({t("col_parameter"): list(params), t("d_value"): list(params.values())}))
    st.divider()
    analyst = ANALYST_DIR / f"{state.lang()}.md"
    st.markdown(analyst.read_text(encoding="utf-8"))
    with st.expander(t("method_full")):
        if METHOD_FILE.is_file():
            st.markdown(_specialists_text(METHOD_FILE.read_text(encoding="utf-8")))
        else:
            st.info(t("method_missing"))


if __name__ == "__main__":
    render()
