-- +goose Up
-- One row per recipient of a published material; the key makes a repeated or resumed delivery
-- insert each deputy once. user_id is the deputy's bound user at delivery (0: none) and
-- region_code their region then, for the figures by region.
CREATE TABLE study_deliveries (
    material_id  BIGINT NOT NULL,
    deputy_id    BIGINT NOT NULL,
    user_id      BIGINT NOT NULL DEFAULT 0,
    region_code  VARCHAR(12) NOT NULL DEFAULT '',
    delivered_at DATETIME(6) NOT NULL,
    opened_at    DATETIME(6) NULL,
    seconds      INT NOT NULL DEFAULT 0,
    completed_at DATETIME(6) NULL,
    PRIMARY KEY (material_id, deputy_id),
    KEY study_deliveries_deputy (deputy_id, material_id),
    CONSTRAINT study_deliveries_material_fk FOREIGN KEY (material_id) REFERENCES study_materials (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE study_deliveries;
