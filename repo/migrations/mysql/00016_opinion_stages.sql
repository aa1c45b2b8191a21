-- +goose Up
-- Each step with a time limit; overdue is frozen when the stage ends (ended_at > due_at).
CREATE TABLE opinion_stages (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    opinion_id     BIGINT NOT NULL,
    stage          VARCHAR(16) NOT NULL,
    started_at     DATETIME(6) NOT NULL,
    due_at         DATETIME(6) NOT NULL,
    ended_at       DATETIME(6) NULL,
    overdue        TINYINT NULL,
    paused_seconds BIGINT NOT NULL DEFAULT 0,
    KEY opinion_stages_opinion (opinion_id, id),
    KEY opinion_stages_open (ended_at, due_at),
    KEY opinion_stages_stage (stage, started_at),
    CONSTRAINT opinion_stages_opinion_fk FOREIGN KEY (opinion_id) REFERENCES opinions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_stages;
