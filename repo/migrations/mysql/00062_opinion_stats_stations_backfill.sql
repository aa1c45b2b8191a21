-- +goose Up
-- The station totals of everything folded so far: each summary row under its day and its
-- month. Deltas not folded yet reach the totals through the fold job.
INSERT INTO opinion_stats_stations (station_id, period, category, region_code, received, accepted, rejected, responded_in_time,
    closed, closed_in_time, resolved, rated, satisfied, overdue, close_workdays)
SELECT s.station_id, SUBSTR(s.day, 1, p.n), s.category, s.region_code, SUM(s.received), SUM(s.accepted), SUM(s.rejected),
    SUM(s.responded_in_time), SUM(s.closed), SUM(s.closed_in_time), SUM(s.resolved), SUM(s.rated), SUM(s.satisfied),
    SUM(s.overdue), SUM(s.close_workdays)
FROM opinion_stats s
CROSS JOIN (SELECT 7 AS n UNION ALL SELECT 10) p
GROUP BY s.station_id, SUBSTR(s.day, 1, p.n), s.category, s.region_code;

-- +goose Down
DELETE FROM opinion_stats_stations;
