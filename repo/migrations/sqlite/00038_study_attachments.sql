-- +goose Up
-- The uploads attached to a material, so an upload's readers (the material's admins and
-- recipients) can be found from the upload.
CREATE TABLE study_attachments (
    material_id INTEGER NOT NULL REFERENCES study_materials (id),
    upload_id   INTEGER NOT NULL,
    PRIMARY KEY (material_id, upload_id)
);
CREATE INDEX study_attachments_upload ON study_attachments (upload_id);

-- +goose Down
DROP TABLE study_attachments;
