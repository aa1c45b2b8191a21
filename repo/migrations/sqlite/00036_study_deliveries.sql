-- +goose Up
-- One row per recipient of a published material; the key makes a repeated or resumed delivery
-- insert each deputy once. user_id is the deputy's bound user at delivery (0: none) and
-- region_code their region then, for the figures by region.
CREATE TABLE study_deliveries (
    material_id  INTEGER NOT NULL REFERENCES study_materials (id),
    deputy_id    INTEGER NOT NULL,
    user_id      INTEGER NOT NULL DEFAULT 0,
    region_code  TEXT NOT NULL DEFAULT '',
    delivered_at DATETIME NOT NULL,
    opened_at    DATETIME NULL,
    seconds      INTEGER NOT NULL DEFAULT 0,
    completed_at DATETIME NULL,
    PRIMARY KEY (material_id, deputy_id)
);
CREATE INDEX study_deliveries_deputy ON study_deliveries (deputy_id, material_id);

-- +goose Down
DROP TABLE study_deliveries;
