-- +goose Up
-- A deputy's fields of expertise (category codes), used to route opinions.
CREATE TABLE deputy_expertise (
    deputy_id     INTEGER NOT NULL REFERENCES deputies (id),
    category_code TEXT NOT NULL,
    PRIMARY KEY (deputy_id, category_code)
);

-- +goose Down
DROP TABLE deputy_expertise;
