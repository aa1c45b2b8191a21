-- +goose Up
-- Keyword search (see repo/search.go): the tokens of each opinion's title and content, and an
-- FTS5 index over them kept in step by triggers (external content). The tokens are ASCII
-- words the default tokenizer keeps whole; Chinese is tokenized into bigrams by the
-- application, since FTS5's trigram tokenizer cannot find two-character words.
CREATE TABLE opinion_search (
    opinion_id INTEGER PRIMARY KEY,
    grams      TEXT NOT NULL,
    chars      TEXT NOT NULL
);
CREATE VIRTUAL TABLE opinion_fts USING fts5(grams, chars, content = 'opinion_search', content_rowid = 'opinion_id',
    tokenize = 'unicode61 remove_diacritics 0', detail = 'full');
-- +goose StatementBegin
CREATE TRIGGER opinion_search_insert AFTER INSERT ON opinion_search BEGIN
    INSERT INTO opinion_fts (rowid, grams, chars) VALUES (new.opinion_id, new.grams, new.chars);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER opinion_search_delete AFTER DELETE ON opinion_search BEGIN
    INSERT INTO opinion_fts (opinion_fts, rowid, grams, chars) VALUES ('delete', old.opinion_id, old.grams, old.chars);
END;
-- +goose StatementEnd
-- +goose Down
DROP TRIGGER opinion_search_delete;
DROP TRIGGER opinion_search_insert;
DROP TABLE opinion_fts;
DROP TABLE opinion_search;
