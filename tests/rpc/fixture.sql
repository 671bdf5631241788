-- Two enabled datasets and one disabled, with profiles written out in
-- full so every reply in the transcripts is fixed.
CREATE TABLE data_people (id INTEGER, region TEXT, age INTEGER, w REAL);
INSERT INTO data_people VALUES
	(1, 'north', 34, 1.5), (2, 'south', 51, 0.5),
	(3, 'north', 27, 1.0), (4, 'east', NULL, 2.0);
CREATE TABLE data_sales (day TEXT, amount REAL);
INSERT INTO data_sales VALUES ('2026-01-01', 10.5), ('2026-01-02', 20);
CREATE TABLE data_hidden (x INTEGER);

INSERT INTO datasets (id, name, title, description, source_kind,
	source_path, data_table, weight_column, tags, enabled, row_count,
	version, created_at, updated_at) VALUES
	(1, 'people', 'People survey', 'A small weighted survey',
	 'csv', '/data/people.csv', 'data_people', 'w', 'survey,test', 1, 4,
	 3, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
	(2, 'sales', NULL, NULL, 'csv', '/data/sales.csv', 'data_sales',
	 NULL, '', 1, 2, 1, '2026-01-01T00:00:00.000Z',
	 '2026-01-01T00:00:00.000Z'),
	(3, 'hidden', 'Hidden', 'Disabled, so never shown', 'csv',
	 '/data/hidden.csv', 'data_hidden', NULL, '', 0, 0, 1,
	 '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

INSERT INTO dataset_columns (dataset_id, position, name, source_name,
	declared_type, inferred_type, null_count, distinct_count, min_value,
	max_value, mean, top_values, sample_values, is_weight, description,
	llm_description) VALUES
	(1, 0, 'id', 'id', 'INTEGER', 'INTEGER', 0, 4, 1, 4, 2.5, NULL,
	 '[1,2,3]', 0, 'respondent number', NULL),
	(1, 1, 'region', 'Region', 'TEXT', 'TEXT', 0, 3, NULL, NULL, NULL,
	 '[["north",2],["south",1],["east",1]]', '["north","south"]', 0,
	 NULL, 'where the respondent lives'),
	(1, 2, 'age', 'Age', 'INTEGER', 'INTEGER', 1, 3, 27, 51, 37.5, NULL,
	 NULL, 0, NULL, NULL),
	(1, 3, 'w', 'w', 'REAL', 'REAL', 0, 4, 0.5, 2.0, 1.25, NULL, NULL,
	 1, 'design weight', NULL),
	(2, 0, 'day', 'day', 'TEXT', 'TEXT', 0, 2, '2026-01-01',
	 '2026-01-02', NULL, NULL, NULL, 0, NULL, NULL),
	(2, 1, 'amount', 'amount', 'REAL', 'REAL', 0, 2, 10.5, 20, 15.25,
	 NULL, NULL, 0, NULL, NULL),
	(3, 0, 'x', 'x', 'INTEGER', 'INTEGER', 0, 0, NULL, NULL, NULL, NULL,
	 NULL, 0, NULL, NULL);

INSERT INTO llm_metadata (dataset_id, version, provider, model, created_at,
	summary, column_descriptions, example_questions, caveats, status)
	VALUES
	(1, 1, 'openai', 'model-a', '2026-01-03T00:00:00.000Z',
	 'Ages and regions of four people.', '{"age":"age in years"}',
	 '["How old are people in the north?"]',
	 '["Only four rows."]', 'approved'),
	(1, 2, 'openai', 'model-b', '2026-01-04T00:00:00.000Z',
	 'A draft nobody approved.', NULL, NULL, NULL, 'draft');
