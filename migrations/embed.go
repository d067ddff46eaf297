// Package migrations holds the portal's goose SQL migrations, embedded into the binary
// so that `portal serve` and `portal migrate` apply them without files on disk.
//
// A migration is never edited once it has landed: add a new file instead.
package migrations

import "embed"

// FS holds every *.sql migration in this folder.
//
//go:embed *.sql
var FS embed.FS
