-- +goose Up
-- The region totals of everything folded so far: each summary row under its day and its month,
-- and under each region on its code's path to the root (service.RegionPrefixes: the code cut
-- at each level whose digits are not all 0). Deltas not folded yet reach the totals through
-- the fold job.
INSERT INTO opinion_stats_regions (region, period, category, received, accepted, rejected, responded_in_time, closed,
    closed_in_time, resolved, rated, satisfied, overdue, close_workdays)
SELECT SUBSTR(s.region_code, 1, l.n), SUBSTR(s.day, 1, p.n), s.category, SUM(s.received), SUM(s.accepted), SUM(s.rejected),
    SUM(s.responded_in_time), SUM(s.closed), SUM(s.closed_in_time), SUM(s.resolved), SUM(s.rated), SUM(s.satisfied),
    SUM(s.overdue), SUM(s.close_workdays)
FROM opinion_stats s
CROSS JOIN (SELECT 2 AS n, 1 AS d, '' AS z UNION ALL SELECT 4, 3, '00' UNION ALL SELECT 6, 5, '00' UNION ALL SELECT 9, 7, '000'
    UNION ALL SELECT 12, 10, '000') l
CROSS JOIN (SELECT 7 AS n UNION ALL SELECT 10) p
WHERE LENGTH(s.region_code) = 12 AND (l.n = 2 OR SUBSTR(s.region_code, l.d, l.n - l.d + 1) <> l.z)
    OR LENGTH(s.region_code) <> 12 AND l.n = 12
GROUP BY SUBSTR(s.region_code, 1, l.n), SUBSTR(s.day, 1, p.n), s.category;

-- +goose Down
DELETE FROM opinion_stats_regions;
