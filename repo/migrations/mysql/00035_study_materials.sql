-- +goose Up
-- 学习资料: study material an admin pushes to deputies. body is the Markdown as written and
-- body_html its sanitized rendering; attachments and audience are JSON. region_code is the
-- creating admin's region ('' for the whole province): the audience is read within it, and its
-- admins manage the material. status: draft, scheduled (publish_at), publishing, published;
-- delivered_through is the delivery job's progress (the last deputy ID delivered).
CREATE TABLE study_materials (
    id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title             VARCHAR(400) NOT NULL,
    category          VARCHAR(32) NOT NULL,
    body              MEDIUMTEXT NOT NULL,
    body_html         MEDIUMTEXT NOT NULL,
    attachments       TEXT NOT NULL,
    audience          MEDIUMTEXT NOT NULL,
    region_code       VARCHAR(12) NOT NULL,
    required          TINYINT(1) NOT NULL DEFAULT 0,
    due_at            DATETIME(6) NULL,
    publish_at        DATETIME(6) NULL,
    status            VARCHAR(16) NOT NULL,
    published_at      DATETIME(6) NULL,
    delivered_through BIGINT NOT NULL DEFAULT 0,
    delivered         BIGINT NOT NULL DEFAULT 0,
    created_by        BIGINT NOT NULL,
    created_at        DATETIME(6) NOT NULL,
    updated_at        DATETIME(6) NOT NULL,
    KEY study_materials_status (status, publish_at),
    KEY study_materials_region (region_code, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE study_materials;
