-- +goose Up
-- Images attached to an opinion: with the submission, a reply or a followup. upload_id points
-- at uploads (id), which lands in a later migration, so it carries no foreign key here.
CREATE TABLE opinion_images (
    opinion_id INTEGER NOT NULL REFERENCES opinions (id),
    upload_id  INTEGER NOT NULL,
    purpose    TEXT NOT NULL,
    event_id   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (opinion_id, upload_id, purpose)
);
CREATE INDEX opinion_images_upload ON opinion_images (upload_id);

-- +goose Down
DROP TABLE opinion_images;
