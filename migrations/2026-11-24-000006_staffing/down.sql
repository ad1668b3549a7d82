DROP TABLE staffing_observations;
DROP TABLE staffing_metrics;
