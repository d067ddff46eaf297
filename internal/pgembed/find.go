package pgembed

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrBinariesNotFound is returned by Find (and Start) when no directory holds
// initdb, postgres and pg_ctl together. Its text is meant to be shown to the
// user as is: it says what to install.
var ErrBinariesNotFound = errors.New(`pgembed: PostgreSQL server binaries (initdb, postgres) not found: install the Debian package "postgresql" (apt-get install -y postgresql)`)

// debianBinGlob is where Debian's "postgresql-NN" packages put the server
// binaries; they are not on PATH there, which is why PATH alone is not enough.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// serverBinaries must all live in one directory: pg_ctl finds postgres next
// to itself, so mixing versions from different directories cannot work.
var serverBinaries = [...]string{"initdb", "postgres", "pg_ctl"}

// Find returns the directory holding initdb, postgres and pg_ctl. PATH is
// searched first (an explicit choice by the user wins), then
// /usr/lib/postgresql/*/bin, highest major version first.
func Find() (binDir string, err error) {
	return find(os.Getenv("PATH"), debianBinGlob)
}

// find is Find with the inputs injectable, so tests can simulate a machine
// without PostgreSQL.
func find(pathEnv, searchGlob string) (string, error) {
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" || !hasServerBinaries(dir) {
			continue
		}
		// PATH entries are often symlink farms (/usr/local/bin/initdb ->
		// /usr/lib/postgresql/15/bin/initdb); report the real directory so logs
		// show which version runs.
		if real, err := filepath.EvalSymlinks(filepath.Join(dir, "initdb")); err == nil {
			if realDir := filepath.Dir(real); hasServerBinaries(realDir) {
				return realDir, nil
			}
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		return abs, nil
	}
	if searchGlob != "" {
		dirs, _ := filepath.Glob(searchGlob) // only fails on a malformed pattern
		sort.Slice(dirs, func(i, j int) bool { return versionLess(dirs[j], dirs[i]) })
		for _, dir := range dirs {
			if hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	return "", ErrBinariesNotFound
}

func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionLess orders ".../9.6/bin" before ".../15/bin": a plain string sort
// would put 9.6 last and pick it as the "highest".
func versionLess(a, b string) bool {
	va, vb := versionOf(a), versionOf(b)
	for i := 0; i < len(va) && i < len(vb); i++ {
		if va[i] != vb[i] {
			return va[i] < vb[i]
		}
	}
	if len(va) != len(vb) {
		return len(va) < len(vb)
	}
	return a < b
}

// versionOf parses the version directory of ".../<version>/bin".
func versionOf(binDir string) []int {
	var v []int
	for _, part := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v
}
