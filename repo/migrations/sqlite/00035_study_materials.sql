-- +goose Up
-- 学习资料: study material an admin pushes to deputies. body is the Markdown as written and
-- body_html its sanitized rendering; attachments and audience are JSON. region_code is the
-- creating admin's region ('' for the whole province): the audience is read within it, and its
-- admins manage the material. status: draft, scheduled (publish_at), publishing, published;
-- delivered_through is the delivery job's progress (the last deputy ID delivered).
CREATE TABLE study_materials (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT NOT NULL,
    category          TEXT NOT NULL,
    body              TEXT NOT NULL,
    body_html         TEXT NOT NULL,
    attachments       TEXT NOT NULL,
    audience          TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    required          INTEGER NOT NULL DEFAULT 0,
    due_at            DATETIME NULL,
    publish_at        DATETIME NULL,
    status            TEXT NOT NULL,
    published_at      DATETIME NULL,
    delivered_through INTEGER NOT NULL DEFAULT 0,
    delivered         INTEGER NOT NULL DEFAULT 0,
    created_by        INTEGER NOT NULL,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX study_materials_status ON study_materials (status, publish_at);
CREATE INDEX study_materials_region ON study_materials (region_code, id);

-- +goose Down
DROP TABLE study_materials;
