"""The register's schema: an ordered list of portable SQL migrations (version n is
``_MIGRATIONS[n - 1]``) and the columns of the ``hazard`` table. What only SQLite says
(pragmas, guards, the connection) is in :mod:`riskmap.register.dialect`.
"""

from __future__ import annotations

from collections.abc import Iterable

from riskmap.register.vocabulary import ACTIONS, CATEGORIES, GRADES, STATUSES

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " applied_at TIMESTAMP NOT NULL)"
)


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_MIGRATIONS: tuple[str, ...] = (
    f"""
CREATE TABLE hazard_counter (
    adcode VARCHAR(6) NOT NULL,
    year INTEGER NOT NULL,
    category_code VARCHAR(2) NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq > 0),
    PRIMARY KEY (adcode, year, category_code)
);
CREATE TABLE hazard (
    number VARCHAR(40) NOT NULL PRIMARY KEY,
    adcode VARCHAR(6) NOT NULL,
    year INTEGER NOT NULL,
    category_code VARCHAR(2) NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    category VARCHAR(20) NOT NULL CHECK (category IN ({_in_list(CATEGORIES)})),
    grade VARCHAR(10) NOT NULL CHECK (grade IN ({_in_list(GRADES)})),
    lon DOUBLE PRECISION NOT NULL CHECK (lon >= -180 AND lon <= 180),
    lat DOUBLE PRECISION NOT NULL CHECK (lat >= -90 AND lat <= 90),
    district VARCHAR(100) NOT NULL,
    layer_binding VARCHAR(100),
    feature_id VARCHAR(200),
    found_at DATE NOT NULL,
    found_by VARCHAR(100) NOT NULL,
    responsible_unit VARCHAR(200) NOT NULL,
    deadline DATE NOT NULL,
    status VARCHAR(20) NOT NULL CHECK (status IN ({_in_list(STATUSES)})),
    listed SMALLINT NOT NULL CHECK (listed IN (0, 1)),
    supervising_unit VARCHAR(200),
    listed_deadline DATE,
    void_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (adcode, year, category_code, seq),
    FOREIGN KEY (adcode, year, category_code)
        REFERENCES hazard_counter (adcode, year, category_code),
    CHECK (listed = 0 OR (grade = 'major' AND supervising_unit IS NOT NULL
                          AND listed_deadline IS NOT NULL)),
    CHECK ((status = 'voided' AND void_reason IS NOT NULL)
           OR (status <> 'voided' AND void_reason IS NULL)),
    CHECK ((layer_binding IS NULL AND feature_id IS NULL)
           OR (layer_binding IS NOT NULL AND feature_id IS NOT NULL))
);
CREATE INDEX hazard_status_idx ON hazard (status);
CREATE INDEX hazard_adcode_idx ON hazard (adcode);
CREATE TABLE hazard_history (
    number VARCHAR(40) NOT NULL REFERENCES hazard (number),
    step INTEGER NOT NULL CHECK (step > 0),
    changed_at TIMESTAMP NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(20) NOT NULL CHECK (action IN ({_in_list(ACTIONS)})),
    from_status VARCHAR(20),
    to_status VARCHAR(20) NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (number, step)
)
""",
    # 2: the hash chain over the history (riskmap.register.chain); rows written before it
    # are chained in their order of writing by the migration.
    """
ALTER TABLE hazard_history ADD COLUMN chain_pos INTEGER;
ALTER TABLE hazard_history ADD COLUMN snapshot TEXT;
ALTER TABLE hazard_history ADD COLUMN prev_hash VARCHAR(64);
ALTER TABLE hazard_history ADD COLUMN row_hash VARCHAR(64);
CREATE UNIQUE INDEX hazard_history_chain ON hazard_history (chain_pos)
""",
)


_RECORD_COLUMNS: tuple[str, ...] = (
    "number",
    "adcode",
    "year",
    "category_code",
    "seq",
    "title",
    "description",
    "category",
    "grade",
    "lon",
    "lat",
    "district",
    "layer_binding",
    "feature_id",
    "found_at",
    "found_by",
    "responsible_unit",
    "deadline",
    "status",
    "listed",
    "supervising_unit",
    "listed_deadline",
    "void_reason",
    "created_at",
    "updated_at",
)
"""Columns of the ``hazard`` table, in order."""

_DATE_COLUMNS = ("found_at", "deadline", "listed_deadline")
"""Columns of ``hazard`` stored as ISO dates."""


def _split_script(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
