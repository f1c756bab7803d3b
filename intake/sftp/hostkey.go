package sftp

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// The host keys generated into KeyDir on first start, in OpenSSH's
// format, as sshd names its own.
const (
	ed25519KeyFile = "sftp_host_ed25519_key"
	rsaKeyFile     = "sftp_host_rsa_key"
	rsaBits        = 3072 // ssh-keygen's default
)

// loadHostKeys reads the keys of cfg.HostKeys, or those in cfg.KeyDir,
// generating an Ed25519 and an RSA key there (0600) the first time. With
// neither, the keys are generated in memory only, and change at each
// start.
func loadHostKeys(cfg Config, log *slog.Logger) ([]ssh.Signer, error) {
	if len(cfg.HostKeys) > 0 {
		var keys []ssh.Signer
		for _, p := range cfg.HostKeys {
			k, err := readKey(p)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
		return keys, nil
	}
	if cfg.KeyDir == "" {
		log.Warn("sftp: host keys kept in memory only (no data directory): their fingerprints change at each start")
	} else if err := os.MkdirAll(cfg.KeyDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	var keys []ssh.Signer
	for _, f := range []struct {
		name string
		gen  func() (crypto.Signer, error)
	}{
		{ed25519KeyFile, func() (crypto.Signer, error) { _, k, err := ed25519.GenerateKey(rand.Reader); return k, err }},
		{rsaKeyFile, func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, rsaBits) }},
	} {
		p := filepath.Join(cfg.KeyDir, f.name)
		if cfg.KeyDir != "" {
			k, err := readKey(p)
			if err == nil {
				keys = append(keys, k)
				continue
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		priv, err := f.gen()
		if err != nil {
			return nil, fmt.Errorf("generate host key: %w", err)
		}
		k, err := ssh.NewSignerFromSigner(priv)
		if err != nil {
			return nil, fmt.Errorf("generate host key: %w", err)
		}
		if cfg.KeyDir != "" {
			block, err := ssh.MarshalPrivateKey(priv, "lectern sftp host key")
			if err != nil {
				return nil, fmt.Errorf("encode host key: %w", err)
			}
			if err := writeKey(p, pem.EncodeToMemory(block)); err != nil {
				return nil, err
			}
			log.Info("sftp: host key generated", "path", p, "fingerprint", ssh.FingerprintSHA256(k.PublicKey()))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func readKey(p string) (ssh.Signer, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read host key: %w", err)
	}
	k, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("read host key %s: %w", p, err)
	}
	return k, nil
}

// writeKey writes a new key file, 0600, whole or not at all.
func writeKey(p string, b []byte) error {
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write host key: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write host key %s: %w", p, err)
	}
	return nil
}

// Fingerprints are the SHA256 fingerprints of the host keys
// ("SHA256:…", as ssh-keygen -l prints them), with their types, for the
// recorder pages: "ssh-ed25519 SHA256:…".
func Fingerprints(keys []ssh.Signer) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.PublicKey().Type()+" "+ssh.FingerprintSHA256(k.PublicKey()))
	}
	return out
}
