-- +goose Up
-- The uploads attached to each revision of a duty record, so whoever may read a record may see
-- its photos (the record keeps their order in duty_records.images).
CREATE TABLE duty_images (
    record_id INTEGER NOT NULL REFERENCES duty_records (id),
    upload_id INTEGER NOT NULL REFERENCES uploads (id),
    PRIMARY KEY (upload_id, record_id)
);

-- +goose Down
DROP TABLE duty_images;
