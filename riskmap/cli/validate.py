"""``python -m riskmap validate PROJECT``: read every file of a project and report problems.

Prints every layer with its feature count, file, CRS and encoding, then every problem
(file, row, column, message, hint). Exit code 1 when there is any error, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from riskmap.cli.common import add_project_argument, format_table

if TYPE_CHECKING:
    from riskmap.io import ProjectData


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``validate`` verb."""
    parser = subparsers.add_parser(
        "validate",
        help="read every file of a project and report problems (exit 1 on errors)",
        description="Read the boundary, districts and every layer of a project, validate every "
        "row, and print the counts and every problem with its file, row and column.",
    )
    add_project_argument(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.set_defaults(run=run)
    return parser


def summarise(data: ProjectData) -> dict[str, Any]:
    """A plain summary of a loaded project: layers with counts and status, then problems.

    Parameters
    ----------
    data
        The loaded project.

    Returns
    -------
    dict
        ``project``, ``working_crs``, ``ok``, ``errors``, ``warnings``, ``boundary``,
        ``districts``, ``layers`` (one dict per binding) and ``problems`` (records).
    """
    project = data.project
    layers = []
    for binding in project.layers:
        layer = data.layers.get(binding.name)
        attrs = layer.gdf.attrs if layer is not None else {}
        layers.append(
            {
                "name": binding.name,
                "kind": binding.kind,
                "file": binding.path,
                "crs": attrs.get("source_crs", binding.crs),
                "encoding": attrs.get("encoding"),
                "count": len(layer.gdf) if layer is not None else 0,
                "rows_read": attrs.get("rows_read"),
                "status": "ok" if layer is not None else "unavailable",
                "reason": data.unavailable.get(binding.name),
            }
        )
    return {
        "project": project.name,
        "title": project.title.zh,
        "working_crs": f"{data.crs.to_string()} ({data.crs.name})",
        "ok": data.report.ok,
        "errors": len(data.report.errors),
        "warnings": len(data.report.warnings),
        "boundary": {
            "file": project.boundary.path,
            "crs": project.boundary.crs,
            "area_km2": round(float(data.boundary.area) / 1e6, 1),
        },
        "districts": {"file": project.districts.path, "count": len(data.districts)},
        "counties": (
            {"file": project.counties.path, "count": len(data.counties)}
            if project.counties is not None and data.counties is not None
            else None
        ),
        "layers": layers,
        "problems": data.report.to_records(),
        "not_bound": _not_bound(data),
        "file_hashes": data.file_hashes,
    }


def _not_bound(data: ProjectData) -> dict[str, list[str]]:
    """Layer kinds that act on the risk and that no layer of the project binds, by role."""
    bound = {b.kind for b in data.project.layers}
    out: dict[str, list[str]] = {}
    for kind in sorted(data.kinds.values(), key=lambda k: k.kind):
        if kind.role != "context" and kind.kind not in bound and kind.kind != "hidden_hazard":
            out.setdefault(kind.role, []).append(kind.kind)
    return out


def _text(summary: dict[str, Any]) -> str:
    lines = [
        f"Project {summary['project']} — {summary['title']}",
        f"Working CRS: {summary['working_crs']}",
        f"Boundary:  {summary['boundary']['file']} ({summary['boundary']['area_km2']:,.1f} km²)",
        f"Districts: {summary['districts']['file']} ({summary['districts']['count']} districts)",
    ]
    if summary["counties"]:
        counties = summary["counties"]
        lines.append(f"Counties:  {counties['file']} ({counties['count']} counties)")
    lines.append("Layers:")
    rows = [("name", "kind", "features", "file", "CRS", "encoding")]
    for lyr in summary["layers"]:
        count = f"{lyr['count']:,d}" if lyr["status"] == "ok" else f"— ({lyr['reason']})"
        if lyr["status"] == "ok" and lyr["rows_read"] not in (None, lyr["count"]):
            count += f" of {lyr['rows_read']:,d}"
        rows.append(
            (lyr["name"], lyr["kind"], count, lyr["file"], str(lyr["crs"]), lyr["encoding"] or "")
        )
    lines.extend("  " + line for line in format_table(rows).splitlines())
    if summary["not_bound"]:
        lines.append("Layer kinds not bound yet (see project.yaml and docs/LAYERS.md):")
        lines.extend(
            f"  {role}: {', '.join(kinds)}" for role, kinds in summary["not_bound"].items()
        )
    lines.append(f"{summary['errors']} error(s), {summary['warnings']} warning(s)")
    for p in summary["problems"]:
        loc = ", ".join(
            x
            for x in (
                p["layer"] and f"[{p['layer']}]",
                p["file"],
                p["row"] is not None and f"row {p['row']}",
                p["column"] and f"column '{p['column']}'",
            )
            if x
        )
        text = f"  {str(p['severity']).upper()}: {loc}: {p['message']}"
        if p["hint"]:
            text += f" — {p['hint']}"
        lines.append(text)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Validate the project; print the report; 1 when there are errors, else 0."""
    from riskmap.pipeline import Study

    study = Study.from_project(args.project, register=None)
    data = study.base
    summary = summarise(data)
    if args.format == "json":
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(_text(summary))
    return 0 if data.report.ok else 1
