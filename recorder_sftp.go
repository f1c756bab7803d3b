package lectern

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// SSHKeyTypes are the public key types a recorder's SFTPAuthorizedKeys
// may hold (those golang.org/x/crypto/ssh's server accepts).
var SSHKeyTypes = []string{"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"}

// Bounds on SFTPAuthorizedKeys: a recorder has a key or two, not a
// keyring.
const (
	MaxAuthorizedKeys     = 20
	MaxAuthorizedKeyBytes = 16 << 10
)

// CheckAuthorizedKeys checks OpenSSH authorized_keys text as a recorder's
// form holds it: one "type base64 [comment]" per line (blank lines and
// "#" comments allowed, options such as from= not), each blob of its
// declared type. It returns the text with each line trimmed, or an error
// naming the first bad line. The edges parse the keys with
// golang.org/x/crypto/ssh; the core, which imports only the standard
// library, checks their form, so that a key the SFTP server could not
// read is refused on save rather than ignored at login.
func CheckAuthorizedKeys(text string) (string, error) {
	if len(text) > MaxAuthorizedKeyBytes {
		return "", fmt.Errorf("at most %d bytes of keys", MaxAuthorizedKeyBytes)
	}
	var out []string
	n := 0
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			if line != "" {
				out = append(out, line)
			}
			continue
		}
		if n++; n > MaxAuthorizedKeys {
			return "", fmt.Errorf("at most %d keys", MaxAuthorizedKeys)
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || !slices.Contains(SSHKeyTypes, fields[0]) {
			return "", fmt.Errorf("line %d: not a public key (want a line such as \"ssh-ed25519 AAAA… comment\", without options)", i+1)
		}
		blob, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil || len(blob) < 4 {
			return "", fmt.Errorf("line %d: the key is not valid base64", i+1)
		}
		l := binary.BigEndian.Uint32(blob)
		if uint64(l) > uint64(len(blob)-4) || string(blob[4:4+l]) != fields[0] {
			return "", fmt.Errorf("line %d: the key is not of type %s", i+1, fields[0])
		}
		for _, c := range line {
			if c < 0x20 || c == 0x7f {
				return "", fmt.Errorf("line %d: control character", i+1)
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n"), nil
}
