-- Person search within a scope: persons by territory path (then id), like households.
CREATE INDEX persons_path ON persons (path, id);
