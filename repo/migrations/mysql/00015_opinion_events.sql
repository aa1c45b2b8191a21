-- +goose Up
-- The timeline: append-only, never updated or deleted. public = shown to the resident.
CREATE TABLE opinion_events (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    opinion_id  BIGINT NOT NULL,
    at          DATETIME(6) NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0,
    actor_role  VARCHAR(32) NOT NULL,
    action      VARCHAR(32) NOT NULL,
    from_status VARCHAR(16) NOT NULL DEFAULT '',
    to_status   VARCHAR(16) NOT NULL DEFAULT '',
    note        TEXT NOT NULL,
    public      TINYINT NOT NULL DEFAULT 0,
    data        JSON NOT NULL,
    KEY opinion_events_opinion (opinion_id, id),
    CONSTRAINT opinion_events_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_events;
