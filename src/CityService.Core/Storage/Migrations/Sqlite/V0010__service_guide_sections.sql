-- The complete service guide (办事指南): conditions of acceptance, steps and FAQ as JSON lists, the enquiry and
-- complaint numbers (null: the department's, and 12345), the departments' own enquiry numbers, and the service halls
-- (办理地点) of each region. Items written before this keep empty sections until the catalog is edited or reseeded.
ALTER TABLE service_items ADD COLUMN conditions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE service_items ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
ALTER TABLE service_items ADD COLUMN faq TEXT NOT NULL DEFAULT '[]';
ALTER TABLE service_items ADD COLUMN enquiry_phone TEXT NULL;
ALTER TABLE service_items ADD COLUMN complaint_phone TEXT NULL;

ALTER TABLE service_overrides ADD COLUMN conditions TEXT NULL;
ALTER TABLE service_overrides ADD COLUMN steps TEXT NULL;
ALTER TABLE service_overrides ADD COLUMN faq TEXT NULL;
ALTER TABLE service_overrides ADD COLUMN enquiry_phone TEXT NULL;
ALTER TABLE service_overrides ADD COLUMN complaint_phone TEXT NULL;

ALTER TABLE departments ADD COLUMN phone TEXT NULL;

CREATE TABLE service_halls (
    region_code  TEXT NOT NULL REFERENCES regions (code),
    code         TEXT NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    address_zh   TEXT NOT NULL,
    address_en   TEXT NOT NULL,
    hours_zh     TEXT NOT NULL,
    hours_en     TEXT NOT NULL,
    phone        TEXT NOT NULL,
    fields       TEXT NOT NULL,
    PRIMARY KEY (region_code, code)
);
