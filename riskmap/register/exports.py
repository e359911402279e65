"""Exporting a register (:class:`ExportMixin` of :class:`~riskmap.register.HazardRegister`):
every record to .xlsx or .csv in Chinese or English, a file that imports back and whose
text never runs as a formula.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from riskmap.errors import RegisterError
from riskmap.io import write_csv
from riskmap.register.files import _write_xlsx, format_hazards

if TYPE_CHECKING:
    import pandas as pd

    from riskmap.register.store import HazardRegister


class ExportMixin:
    """:meth:`export` of :class:`~riskmap.register.HazardRegister`."""

    def export(self, path: str | Path, lang: str = "zh", *, today: date | None = None) -> Path:
        """Write every record (closed and voided included) to .xlsx or .csv (UTF-8 with BOM);
        an .xlsx has the history (every change, in order) as its second sheet.

        Parameters
        ----------
        path
            Target file; its suffix (.xlsx or .csv) chooses the format.
        lang
            ``"zh"``: Chinese headers and labels (危化, 重大, 整改中, 是/否); ``"en"``:
            English headers and labels (Hazardous chemicals, Major, Rectifying, Yes/No).
            Either imports back.
        today
            The date taken as today for the 是否逾期 column.

        Returns
        -------
        Path
            The file written.
        """
        reg = cast("HazardRegister", self)
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise RegisterError(f"export to .xlsx or .csv, not '{path.suffix}'")
        table = format_hazards(
            reg.list(include_voided=True, today=today).sort_values("number"), lang
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            write_csv(table, path)
        else:
            history = _history_sheet(reg, lang)
            _write_xlsx(
                table,
                path,
                sheet="隐患台账" if lang != "en" else "hazards",
                more={("变更记录" if lang != "en" else "history"): history},
            )
        return path


def _history_sheet(reg: HazardRegister, lang: str) -> pd.DataFrame:
    """Every history row in chain order, labels and headers in ``lang``."""
    import pandas as pd

    from riskmap.register.queries import HISTORY_COLUMNS
    from riskmap.register.vocabulary import label

    rows = reg._query(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM hazard_history ORDER BY chain_pos")
    df = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    en = lang == "en"
    df["action"] = [label("action", a, lang) for a in df["action"]]
    for c in ("from_status", "to_status"):
        df[c] = [label("status", v, lang) if isinstance(v, str) and v else "" for v in df[c]]
    if en:
        headers = ("Number", "Step", "Time (UTC)", "By", "Action", "From", "To", "Note")
    else:
        headers = ("统一编号", "序号", "时间（UTC）", "操作人", "操作", "原状态", "新状态", "备注")
    return df.rename(columns=dict(zip(HISTORY_COLUMNS, headers, strict=True)))
