// Package templates_test checks that the committed *_templ.go files are what
// `templ generate` makes of the .templ files, so a stale view cannot land.
package templates_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeneratedTemplCodeIsUpToDate(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	var templFiles []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".templ") || (strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_templ.go")) {
			if strings.HasSuffix(path, ".templ") {
				templFiles = append(templFiles, path)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			// Mirror the repository layout: templ records paths relative to -path.
			dst := filepath.Join(tmp, "web", "templates", path)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, b, 0o644)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// `go tool templ` runs the version pinned in go.mod; run it from the module.
	cmd := exec.Command("go", "tool", "templ", "generate", "-path", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, src := range templFiles {
		gen := strings.TrimSuffix(src, ".templ") + "_templ.go"
		want, err := os.ReadFile(filepath.Join(tmp, "web", "templates", gen))
		if err != nil {
			t.Fatalf("templ made no %s: %v", gen, err)
		}
		got, err := os.ReadFile(gen)
		if err != nil {
			t.Errorf("%s is not committed: run `go tool templ generate`", gen)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go tool templ generate` and commit the result", gen)
		}
	}
}
