-- minewatch store, migration 2: region lists carry a country (ISO 3166-1 alpha-2, may be empty).
ALTER TABLE regions ADD COLUMN country TEXT NOT NULL DEFAULT '';
