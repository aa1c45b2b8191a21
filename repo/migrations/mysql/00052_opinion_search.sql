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

-- +goose Down
DROP TABLE opinion_search;
