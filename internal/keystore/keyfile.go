package keystore

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DevKeyFileName is the file EnsureDevKeyFile creates in the data folder.
const DevKeyFileName = "master.key"

// maxKeyFileSize bounds what LoadMasterKeyFile reads; a key line is ~80 bytes.
const maxKeyFileSize = 64 << 10

// NewMasterKey returns a fresh master key entry "id:base64key" for
// PORTAL_MASTER_KEYS or a key file (`portal keys new` prints one).
func NewMasterKey(id string) (string, error) {
	if !validID(id) {
		return "", fmt.Errorf(`keystore: new master key: id %q must be 1-32 letters, digits, "_" or "-"`, id)
	}
	key := make([]byte, KeySize)
	defer clear(key)
	rand.Read(key)
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

// LoadMasterKeyFile reads master keys from a file in the PORTAL_MASTER_KEYS
// format, where newlines may also separate entries, and blank lines and
// lines starting with "#" are ignored. The first entry is the current key.
//
// groupOrOtherReadable reports a file that users other than its owner can
// read (mode & 0o044). That is a warning, not an error: container secret
// mounts are commonly 0444 or 0644 and protected by the container instead,
// so refusing would break them. The caller logs the warning with the path
// and mode; in development EnsureDevKeyFile always creates 0600.
func LoadMasterKeyFile(path string) (ring *Ring, groupOrOtherReadable bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("keystore: load master key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("keystore: load master key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, false, fmt.Errorf("keystore: load master key file %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, false, fmt.Errorf("keystore: load master key file: %w", err)
	}
	defer clear(data)
	if len(data) > maxKeyFileSize {
		return nil, false, fmt.Errorf("keystore: load master key file %s: larger than %d bytes; that is not a key file", path, maxKeyFileSize)
	}

	var entries []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for entry := range strings.SplitSeq(line, ",") {
			if strings.TrimSpace(entry) != "" {
				entries = append(entries, entry)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, false, fmt.Errorf("keystore: load master key file %s: %w", path, err)
	}
	if len(entries) == 0 {
		return nil, false, fmt.Errorf("keystore: load master key file %s: no keys in it", path)
	}
	ring, err = parseEntries(entries)
	if err != nil {
		return nil, false, fmt.Errorf("keystore: load master key file %s: %w", path, err)
	}
	return ring, info.Mode().Perm()&0o044 != 0, nil
}

// EnsureDevKeyFile makes sure dir holds a master key file for development,
// creating dir (mode 0755) and dir/master.key (mode 0600, one fresh key with
// id "dev-<yyyymmdd>") when the file is absent. An existing file is left
// exactly as it is. The file appears atomically with its content, so two
// processes starting at once both end up with the same key.
func EnsureDevKeyFile(dir string) (path string, created bool, err error) {
	path = filepath.Join(dir, DevKeyFileName)
	if _, err := os.Lstat(path); err == nil {
		return path, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	// The folder is PORTAL_DATA_DIR, which also holds the embedded PostgreSQL
	// cluster: the server's own user must be able to pass through it. The key
	// file's mode 0600 is what keeps the key private.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	entry, err := NewMasterKey("dev-" + time.Now().UTC().Format("20060102"))
	if err != nil {
		return "", false, err
	}

	// Write a private temporary file, then link it into place: link fails if
	// the name exists, so a concurrent creator's key is never overwritten and
	// nobody ever reads a half-written file.
	tmp, err := os.CreateTemp(dir, ".master.key-*") // mode 0600
	if err != nil {
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	content := "# Development master key, made by certportal. Do not use in production.\n" + entry + "\n"
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return path, false, nil // another process won the race
		}
		return "", false, fmt.Errorf("keystore: dev key file: %w", err)
	}
	return path, true, nil
}
