-- +goose Up
-- Lists are newest first within a reach (a station, a deputy, a unit): these indexes give that
-- order directly, so each keyset page reads only its own rows instead of sorting the whole
-- station's history (measured: a 100,000-row ledger export went from quadratic to linear).
CREATE INDEX opinions_station_id ON opinions (station_id, id);
CREATE INDEX opinions_deputy_id ON opinions (deputy_id, id);
CREATE INDEX opinions_unit_id ON opinions (unit_id, id);

-- +goose Down
DROP INDEX opinions_unit_id;
DROP INDEX opinions_deputy_id;
DROP INDEX opinions_station_id;
