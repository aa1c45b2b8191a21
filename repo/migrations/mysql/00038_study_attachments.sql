-- +goose Up
-- The uploads attached to a material, so an upload's readers (the material's admins and
-- recipients) can be found from the upload.
CREATE TABLE study_attachments (
    material_id BIGINT NOT NULL,
    upload_id   BIGINT NOT NULL,
    PRIMARY KEY (material_id, upload_id),
    KEY study_attachments_upload (upload_id),
    CONSTRAINT study_attachments_material_fk FOREIGN KEY (material_id) REFERENCES study_materials (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE study_attachments;
