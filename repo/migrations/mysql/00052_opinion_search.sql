-- +goose Up
-- Keyword search (see repo/search.go): the tokens of each opinion's title and content under
-- InnoDB FULLTEXT indexes. MariaDB has no ngram parser, so Chinese is tokenized into bigrams by
-- the application and stored as ASCII words the default parser keeps whole.
CREATE TABLE opinion_search (
    opinion_id BIGINT NOT NULL PRIMARY KEY,
    grams      MEDIUMTEXT NOT NULL,
    chars      TEXT NOT NULL,
    FULLTEXT KEY opinion_search_grams (grams),
    FULLTEXT KEY opinion_search_chars (chars)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
-- The opinions that existed before this migration are indexed by a background job, newest
-- first, down from this mark; new opinions are indexed as they are submitted.
CREATE TABLE search_backfill (
    name    VARCHAR(32) NOT NULL PRIMARY KEY,
    next_id BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO search_backfill (name, next_id) SELECT 'opinions', COALESCE(MAX(id), 0) FROM opinions;

-- +goose Down
DROP TABLE search_backfill;
DROP TABLE opinion_search;
