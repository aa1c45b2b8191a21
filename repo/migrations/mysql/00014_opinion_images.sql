-- +goose Up
-- upload_id points at uploads (id), which lands in a later migration: no foreign key here.
CREATE TABLE opinion_images (
    opinion_id BIGINT NOT NULL,
    upload_id  BIGINT NOT NULL,
    purpose    VARCHAR(16) NOT NULL,
    event_id   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (opinion_id, upload_id, purpose),
    KEY opinion_images_upload (upload_id),
    CONSTRAINT opinion_images_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_images;
