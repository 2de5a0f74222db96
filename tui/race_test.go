//go:build race

package tui

// raceEnabled is set when tests run under the race detector, which makes
// timing and memory figures meaningless.
const raceEnabled = true
