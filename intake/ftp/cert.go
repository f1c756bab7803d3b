package ftp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Files of the generated certificate in CertDir.
const (
	certFile = "ftp-tls-cert.pem"
	keyFile  = "ftp-tls-key.pem"
)

// loadOrCreateCert loads TLSCert and TLSKey, or the self-signed certificate
// in CertDir, generating it the first time.
func loadOrCreateCert(cfg Config, log *slog.Logger) (tls.Certificate, error) {
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return cert, fmt.Errorf("load TLS certificate %s: %w", cfg.TLSCert, err)
		}
		return cert, nil
	}
	certPEM, keyPEM, err := selfSigned(cfg.PublicHost)
	if err != nil {
		return tls.Certificate{}, err
	}
	if cfg.CertDir == "" {
		log.Warn("ftp: self-signed TLS certificate kept in memory only (no data directory)")
		return tls.X509KeyPair(certPEM, keyPEM)
	}
	cp, kp := filepath.Join(cfg.CertDir, certFile), filepath.Join(cfg.CertDir, keyFile)
	if cert, err := tls.LoadX509KeyPair(cp, kp); err == nil {
		return cert, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return cert, fmt.Errorf("load TLS certificate %s: %w", cp, err)
	}
	if err := os.MkdirAll(cfg.CertDir, 0o750); err != nil {
		return tls.Certificate{}, fmt.Errorf("create data directory: %w", err)
	}
	// Key first: a certificate is only ever found with its key.
	if err := writeFile(kp, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeFile(cp, certPEM, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	log.Info("ftp: generated a self-signed TLS certificate", "cert", cp, "key", kp)
	return tls.X509KeyPair(certPEM, keyPEM)
}

// selfSigned makes an ECDSA P-256 certificate for host (its CN and
// subject alternative name; "lectern" when empty), valid ten years.
func selfSigned(host string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("generate TLS serial: %w", err)
	}
	if host == "" {
		host = "lectern"
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: host, Organization: []string{"Lectern"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create TLS certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode TLS key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// writeFile writes through a temporary file and a rename, so that a
// concurrent start never reads half a file.
func writeFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
