DROP TABLE practice_steps;
DROP TABLE practice_types;
DROP TABLE licensure;
DROP TABLE accredited_programs;
DROP TABLE certification_program_counts;
DROP TABLE certification_steps;
DROP TABLE certification_overview;
