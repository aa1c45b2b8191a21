-- +goose Up
-- The study materials of a training class: completing all of them attends a class held online.
-- Keyed by material too, to find the classes a just completed material belongs to.
CREATE TABLE training_materials (
    training_id INTEGER NOT NULL REFERENCES trainings (id),
    material_id INTEGER NOT NULL REFERENCES study_materials (id),
    PRIMARY KEY (training_id, material_id)
);
CREATE INDEX training_materials_material ON training_materials (material_id, training_id);

-- +goose Down
DROP TABLE training_materials;
