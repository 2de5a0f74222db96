package local

// WithReadDirCounter calls fn with each folder adoption reads, so tests
// can check that opening a store reads none and a listing only its own.
func WithReadDirCounter(fn func(path string)) Option {
	return func(s *Store) { s.onReadDir = fn }
}
