package pgembed

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
)

// checkTraversable verifies that a process with the given uid and groups can
// walk down to dir. When the portal runs as root the server runs as the
// postgres user, and a clone under /root (mode 700) is unreachable for it;
// postgres would fail later with an obscure "permission denied", so we say
// plainly which folder is closed instead. We never chmod it ourselves: it is
// usually the user's home folder.
func checkTraversable(dir string, uid uint32, gids []uint32, userName string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	for p := real; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil // not a Unix file system we can reason about
		}
		perm := fi.Mode().Perm()
		var canTraverse bool
		switch {
		case st.Uid == uid:
			canTraverse = perm&0o100 != 0
		case slices.Contains(gids, st.Gid):
			canTraverse = perm&0o010 != 0
		default:
			canTraverse = perm&0o001 != 0
		}
		if !canTraverse {
			return fmt.Errorf("pgembed: the %q user (uid %d), which runs the PostgreSQL server, cannot reach %s: folder %s (owner uid %d, mode %04o) is closed to it; "+
				"put the data elsewhere (e.g. PORTAL_DATA_DIR=/var/tmp/certportal) or open the folder with: chmod o+x %s",
				userName, uid, real, p, st.Uid, perm, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
