-- +goose Up
-- The uploads attached to each revision of a duty record, so whoever may read a record may see
-- its photos (the record keeps their order in duty_records.images).
CREATE TABLE duty_images (
    record_id BIGINT NOT NULL,
    upload_id BIGINT NOT NULL,
    PRIMARY KEY (upload_id, record_id),
    CONSTRAINT duty_images_record_fk FOREIGN KEY (record_id) REFERENCES duty_records (id),
    CONSTRAINT duty_images_upload_fk FOREIGN KEY (upload_id) REFERENCES uploads (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE duty_images;
