-- +goose Up
CREATE TABLE deputy_invites (
    code_hash  VARCHAR(64) NOT NULL PRIMARY KEY,
    deputy_id  BIGINT NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at    DATETIME(6) NULL,
    used_by    BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT deputy_invites_dep FOREIGN KEY (deputy_id) REFERENCES deputies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE deputy_invites;
