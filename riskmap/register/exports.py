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
    from riskmap.register.store import HazardRegister


class ExportMixin:
    """:meth:`export` of :class:`~riskmap.register.HazardRegister`."""

    def export(self, path: str | Path, lang: str = "zh", *, today: date | None = None) -> Path:
        """Write every record (closed and voided included) to .xlsx or .csv (UTF-8 with BOM).

        Parameters
        ----------
        path
            Target file; its suffix (.xlsx or .csv) chooses the format.
        lang
            ``"zh"``: Chinese headers and labels (危化, 重大, 整改中, 是/否); ``"en"``:
            English headers (the field names) and codes. Either imports back.
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
            _write_xlsx(table, path, sheet="隐患台账" if lang != "en" else "hazards")
        return path
