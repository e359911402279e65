"""Safe unzipping of uploaded zips: bounded member count and unpacked size, no absolute
paths, no ``..``, no links, and GBK member names written by Chinese Windows zip tools.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from riskmap.io.problems import _fail

MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
"""A zip whose members add up to more than this (declared or actually written) is refused."""

MAX_ZIP_MEMBERS = 5_000
"""A zip holding more members than this is refused."""


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """Member name, decoding GBK names written by Chinese Windows zip tools."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _extract_zip(path: Path, dest: Path, file: str) -> list[Path]:
    """Extract a zip safely: no absolute paths, no '..', no links, bounded total size."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(
            "unreadable_file",
            f"not a readable zip file ({exc})",
            "zip the shapefile's parts (.shp .shx .dbf .prj .cpg) again",
            file,
            zh=(
                "不是可读取的 zip 压缩包",
                "请重新压缩 Shapefile 的各部分（.shp .shx .dbf .prj .cpg）",
            ),
        ) from None
    hint = "zip only the data files, with plain relative names"
    hint_zh = "只压缩数据文件，使用简单的相对路径"
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise _fail(
                "unsafe_file",
                f"the zip holds {len(infos):,d} files (limit {MAX_ZIP_MEMBERS:,d})",
                hint,
                file,
                unsafe=True,
                zh=(
                    f"压缩包中有 {len(infos):,d} 个文件（上限 {MAX_ZIP_MEMBERS:,d}）",
                    hint_zh,
                ),
            )
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNZIPPED_BYTES:
            raise _fail(
                "unsafe_file",
                f"the zip would unpack to {declared / 2**20:,.0f} MiB (limit {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB)",
                "split the data or simplify it",
                file,
                unsafe=True,
                zh=(
                    f"压缩包解压后将有 {declared / 2**20:,.0f} MiB（上限 {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB）",
                    "请拆分或简化数据",
                ),
            )
        plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in infos:
            name = _zip_member_name(info).replace("\\", "/")
            parts = PurePosixPath(name)
            mode = (info.external_attr >> 16) & 0o170000
            if (
                name.startswith("/")
                or re.match(r"^[A-Za-z]:", name)
                or ".." in parts.parts
                or mode == 0o120000
            ):
                raise _fail(
                    "unsafe_file",
                    f"the zip member '{name}' points outside its folder (absolute path, '..' or a link)",
                    hint,
                    file,
                    unsafe=True,
                    zh=(f"压缩包中的“{name}”指向其文件夹之外（绝对路径、“..”或链接）", hint_zh),
                )
            if info.is_dir() or parts.parts[0] == "__MACOSX" or parts.name.startswith("._"):
                continue
            plan.append((info, parts))
        written = 0
        out = []
        root = dest.resolve()
        for info, parts in plan:
            target = (root / Path(*parts.parts)).resolve()
            if not target.is_relative_to(root):
                raise _fail(
                    "unsafe_file",
                    f"the zip member '{parts}' points outside its folder",
                    hint,
                    file,
                    unsafe=True,
                    zh=(f"压缩包中的“{parts}”指向其文件夹之外", hint_zh),
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:
                            raise _fail(
                                "unsafe_file",
                                f"the zip unpacks to more than {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB",
                                "split the data or simplify it",
                                file,
                                unsafe=True,
                                zh=(
                                    f"压缩包解压后超过 {MAX_UNZIPPED_BYTES / 2**20:,.0f} MiB",
                                    "请拆分或简化数据",
                                ),
                            )
                        dst.write(chunk)
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                zlib.error,
                NotImplementedError,
                RuntimeError,
            ) as exc:
                raise _fail(
                    "unreadable_file",
                    f"the zip member '{parts}' cannot be unpacked ({exc})",
                    "zip the files again (without a password)",
                    file,
                    zh=(f"压缩包中的“{parts}”无法解压", "请重新压缩文件（不加密码）"),
                ) from None
            out.append(target)
    return out
