-- +goose Up
CREATE TABLE deputy_expertise (
    deputy_id     BIGINT NOT NULL,
    category_code VARCHAR(32) NOT NULL,
    PRIMARY KEY (deputy_id, category_code),
    CONSTRAINT deputy_expertise_dep FOREIGN KEY (deputy_id) REFERENCES deputies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE deputy_expertise;
