-- Regions (GB/T 2260) and the service catalog. Region-scoped tables lead their key with region_code.
CREATE TABLE regions (
    code          TEXT    NOT NULL PRIMARY KEY,
    parent_code   TEXT    NULL REFERENCES regions (code),
    level         TEXT    NOT NULL,
    name_zh       TEXT    NOT NULL,
    name_en       TEXT    NOT NULL,
    is_city       BOOLEAN NOT NULL,
    seat_lat      DOUBLE PRECISION NULL,
    seat_lon      DOUBLE PRECISION NULL,
    centroid_lat  DOUBLE PRECISION NULL,
    centroid_lon  DOUBLE PRECISION NULL
);
CREATE INDEX ix_regions_parent_code ON regions (parent_code);

CREATE TABLE departments (
    region_code  TEXT NOT NULL REFERENCES regions (code),
    code         TEXT NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    PRIMARY KEY (region_code, code)
);

CREATE TABLE service_items (
    region_code             TEXT    NOT NULL REFERENCES regions (code),
    code                    TEXT    NOT NULL,
    field                   TEXT    NOT NULL,
    department_region_code  TEXT    NOT NULL,
    department_code         TEXT    NOT NULL,
    name_zh                 TEXT    NOT NULL,
    name_en                 TEXT    NOT NULL,
    description_zh          TEXT    NOT NULL,
    description_en          TEXT    NOT NULL,
    materials               TEXT    NOT NULL,
    fee_kind                TEXT    NOT NULL,
    fee_fen                 BIGINT  NULL,
    legal_basis_zh          TEXT    NOT NULL,
    legal_basis_en          TEXT    NOT NULL,
    promised_days           INTEGER NOT NULL,
    visits                  TEXT    NOT NULL,
    online_modes            TEXT    NOT NULL,
    external_url            TEXT    NULL,
    keywords                TEXT    NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (region_code, code),
    FOREIGN KEY (department_region_code, department_code) REFERENCES departments (region_code, code)
);
CREATE INDEX ix_service_items_department ON service_items (department_region_code, department_code);
CREATE INDEX ix_service_items_region_field ON service_items (region_code, field);

CREATE TABLE service_overrides (
    region_code             TEXT    NOT NULL REFERENCES regions (code),
    service_code            TEXT    NOT NULL,
    enabled                 BOOLEAN NULL,
    department_region_code  TEXT    NULL,
    department_code         TEXT    NULL,
    materials               TEXT    NULL,
    fee_kind                TEXT    NULL,
    fee_fen                 BIGINT  NULL,
    legal_basis_zh          TEXT    NULL,
    legal_basis_en          TEXT    NULL,
    promised_days           INTEGER NULL,
    visits                  TEXT    NULL,
    online_modes            TEXT    NULL,
    external_url            TEXT    NULL,
    keywords                TEXT    NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (region_code, service_code)
);
