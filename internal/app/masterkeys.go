package app

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/certportal/certportal/internal/keystore"
)

// loadMasterKeys returns the key-encryption key ring: PORTAL_MASTER_KEYS, else
// PORTAL_MASTER_KEY_FILE, else (dev only) PORTAL_DATA_DIR/master.key, created
// with mode 0600 on first start. Production without a key refuses to start.
func loadMasterKeys(cfg Config, log *slog.Logger) (*keystore.Ring, error) {
	switch {
	case cfg.MasterKeys != nil:
		log.Info("master keys from PORTAL_MASTER_KEYS", "current", cfg.MasterKeys.CurrentID(), "versions", len(cfg.MasterKeys.IDs()))
		return cfg.MasterKeys, nil
	case cfg.MasterKeyFile != "":
		ring, readable, err := keystore.LoadMasterKeyFile(cfg.MasterKeyFile)
		if err != nil {
			return nil, err
		}
		if readable {
			log.Warn("the master key file can be read by other users: chmod 600 it unless a container protects it", "path", cfg.MasterKeyFile)
		}
		log.Info("master keys from file", "path", cfg.MasterKeyFile, "current", ring.CurrentID(), "versions", len(ring.IDs()))
		return ring, nil
	case cfg.Production():
		return nil, fmt.Errorf("PORTAL_ENV=production refuses to start without a master key: set PORTAL_MASTER_KEYS or PORTAL_MASTER_KEY_FILE")
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	path, created, err := keystore.EnsureDevKeyFile(dir)
	if err != nil {
		return nil, err
	}
	ring, _, err := keystore.LoadMasterKeyFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("created a development master key (mode 0600); private keys in this database need it: back it up, and never use it in production", "path", path, "id", ring.CurrentID())
	} else {
		log.Info("development master key", "path", path, "current", ring.CurrentID())
	}
	return ring, nil
}
