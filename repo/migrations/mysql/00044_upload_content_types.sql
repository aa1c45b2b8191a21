-- +goose Up
-- Office document types are longer than image ones (…wordprocessingml.document is 71 bytes).
ALTER TABLE uploads MODIFY content_type VARCHAR(100) NOT NULL;

-- +goose Down
ALTER TABLE uploads MODIFY content_type VARCHAR(32) NOT NULL;
