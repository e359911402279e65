"""The register database's schema: the SQL of each migration (version n is
``_MIGRATIONS[n - 1]``; Alembic's revisions in :mod:`riskmap.register.migrations` run them,
through :func:`riskmap.register.dialect.ddl` for the backend) and the columns of the
``hazard`` table. The value lists of the CHECK constraints are written out: a migration
never changes once released.
"""

from __future__ import annotations

from collections.abc import Iterable

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " applied_at TIMESTAMP NOT NULL)"
)
"""The version table of registers made before Alembic (read once to stamp them)."""

_CATEGORY_LIST = (
    "'hazmat', 'fireworks', 'industry', 'construction', 'fire', 'flood', 'geological', "
    "'gas', 'traffic', 'other'"
)
_STATUS_LIST = "'registered', 'rectifying', 'awaiting_acceptance', 'closed', 'voided'"
_ACTION_LIST_1 = "'register', 'import', 'start', 'submit', 'accept', 'reject', 'list', 'void'"
_ACTION_LIST_3 = _ACTION_LIST_1 + ", 'attach'"

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
    category VARCHAR(20) NOT NULL CHECK (category IN ({_CATEGORY_LIST})),
    grade VARCHAR(10) NOT NULL CHECK (grade IN ('general', 'major')),
    lon DOUBLE PRECISION NOT NULL CHECK (lon >= -180 AND lon <= 180),
    lat DOUBLE PRECISION NOT NULL CHECK (lat >= -90 AND lat <= 90),
    district VARCHAR(100) NOT NULL,
    layer_binding VARCHAR(100),
    feature_id VARCHAR(200),
    found_at DATE NOT NULL,
    found_by VARCHAR(100) NOT NULL,
    responsible_unit VARCHAR(200) NOT NULL,
    deadline DATE NOT NULL,
    status VARCHAR(20) NOT NULL CHECK (status IN ({_STATUS_LIST})),
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
    action VARCHAR(20) NOT NULL CHECK (action IN ({_ACTION_LIST_1})),
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
    # 3: users, monitoring readings and warnings (tables that older files may already
    # hold), attachments; the history's actions gain 'attach' (the table is rebuilt on
    # SQLite, whose CHECK constraints cannot change: see the revision).
    """
CREATE TABLE IF NOT EXISTS users (
    username VARCHAR(50) NOT NULL PRIMARY KEY,
    display_name VARCHAR(100) NOT NULL,
    role VARCHAR(20) NOT NULL CHECK (role IN ('admin', 'inspector', 'leader', 'viewer')),
    districts TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS monitor_readings (
    sensor_id VARCHAR(100) NOT NULL,
    layer VARCHAR(100) NOT NULL,
    feature_id VARCHAR(200) NOT NULL,
    quantity VARCHAR(50) NOT NULL,
    unit VARCHAR(20) NOT NULL,
    time TIMESTAMP NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (sensor_id, quantity, time)
);
CREATE INDEX IF NOT EXISTS monitor_readings_feature
    ON monitor_readings (layer, feature_id, quantity, time);
CREATE TABLE IF NOT EXISTS monitor_warnings (
    id INTEGER PRIMARY KEY,
    layer VARCHAR(100) NOT NULL,
    feature_id VARCHAR(200) NOT NULL,
    quantity VARCHAR(50) NOT NULL,
    level VARCHAR(10) NOT NULL,
    start TIMESTAMP NOT NULL,
    end_time TIMESTAMP,
    peak DOUBLE PRECISION NOT NULL,
    peak_time TIMESTAMP NOT NULL,
    acknowledged_by VARCHAR(100),
    acknowledged_at TIMESTAMP,
    UNIQUE (layer, feature_id, quantity, start)
);
CREATE TABLE hazard_attachment (
    number VARCHAR(40) NOT NULL REFERENCES hazard (number),
    seq INTEGER NOT NULL CHECK (seq > 0),
    stage VARCHAR(20) NOT NULL CHECK (stage IN ('finding', 'rectification')),
    filename VARCHAR(200) NOT NULL,
    media_type VARCHAR(50) NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 VARCHAR(64) NOT NULL,
    content BLOB NOT NULL,
    added_at TIMESTAMP NOT NULL,
    added_by VARCHAR(100) NOT NULL,
    PRIMARY KEY (number, seq)
)
""",
)

_HISTORY_3 = f"""
CREATE TABLE hazard_history_v3 (
    number VARCHAR(40) NOT NULL REFERENCES hazard (number),
    step INTEGER NOT NULL CHECK (step > 0),
    changed_at TIMESTAMP NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(20) NOT NULL CHECK (action IN ({_ACTION_LIST_3})),
    from_status VARCHAR(20),
    to_status VARCHAR(20) NOT NULL,
    note TEXT NOT NULL,
    chain_pos INTEGER,
    snapshot TEXT,
    prev_hash VARCHAR(64),
    row_hash VARCHAR(64),
    PRIMARY KEY (number, step)
);
INSERT INTO hazard_history_v3 (number, step, changed_at, actor, action, from_status,
    to_status, note, chain_pos, snapshot, prev_hash, row_hash)
    SELECT number, step, changed_at, actor, action, from_status, to_status, note,
    chain_pos, snapshot, prev_hash, row_hash FROM hazard_history ORDER BY chain_pos;
DROP TABLE hazard_history;
ALTER TABLE hazard_history_v3 RENAME TO hazard_history;
CREATE UNIQUE INDEX hazard_history_chain ON hazard_history (chain_pos)
"""
"""Migration 3 on SQLite: the history table rebuilt with the wider action list (its
guards are dropped before and made again after, by the revision)."""

_HISTORY_3_PG = (
    "ALTER TABLE hazard_history DROP CONSTRAINT hazard_history_action_check",
    f"ALTER TABLE hazard_history ADD CONSTRAINT hazard_history_action_check "
    f"CHECK (action IN ({_ACTION_LIST_3}))",
)
"""Migration 3 on PostgreSQL: the action list widened in place."""


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


def _in_list(values: Iterable[str]) -> str:
    """SQL text of a list of code values (codes are ASCII words, never user text)."""
    return ", ".join(f"'{v}'" for v in values)
