-- +goose Up
CREATE TABLE opinion_supervision (
    stage_id        BIGINT NOT NULL PRIMARY KEY,
    opinion_id      BIGINT NOT NULL,
    reminded_at     DATETIME(6) NULL,
    overdue_at      DATETIME(6) NULL,
    escalated_at    DATETIME(6) NULL,
    escalated_up_at DATETIME(6) NULL,
    KEY opinion_supervision_opinion (opinion_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_supervision;
