package repo

// Dialect-specific SQL fragments, in one place.

// insertIgnore is INSERT that skips rows violating a unique key.
func (db *DB) insertIgnore() string {
	if db.Dialect == MySQL {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}
