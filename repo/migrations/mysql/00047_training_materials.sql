-- +goose Up
-- The study materials of a training class: completing all of them attends a class held online.
-- Keyed by material too, to find the classes a just completed material belongs to.
CREATE TABLE training_materials (
    training_id BIGINT NOT NULL,
    material_id BIGINT NOT NULL,
    PRIMARY KEY (training_id, material_id),
    KEY training_materials_material (material_id, training_id),
    CONSTRAINT training_materials_training_fk FOREIGN KEY (training_id) REFERENCES trainings (id),
    CONSTRAINT training_materials_material_fk FOREIGN KEY (material_id) REFERENCES study_materials (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE training_materials;
