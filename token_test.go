package lectern_test

import (
	"regexp"
	"testing"

	"lectern"
)

func TestNewToken(t *testing.T) {
	t.Parallel()
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}$`)
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for range 100 {
		tok, hash := lectern.NewToken()
		if !hex40.MatchString(tok) {
			t.Fatalf("token %q is not 40 lower-case hex digits", tok)
		}
		if !hex64.MatchString(hash) {
			t.Fatalf("hash %q is not a hex SHA-256", hash)
		}
		if hash == tok {
			t.Fatalf("hash equals the token %q", tok)
		}
		if got := lectern.HashToken(tok); got != hash {
			t.Fatalf("HashToken(%q) = %q, want the hash NewToken returned, %q", tok, got, hash)
		}
		if seen[tok] {
			t.Fatalf("token %q returned twice", tok)
		}
		seen[tok] = true
	}
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ token, want string }{
		// sha256sum of the token, as Lectern stores it.
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	} {
		t.Run(tt.token, func(t *testing.T) {
			t.Parallel()
			if got := lectern.HashToken(tt.token); got != tt.want {
				t.Errorf("HashToken(%q) = %q, want %q", tt.token, got, tt.want)
			}
		})
	}
	if lectern.HashToken("a") == lectern.HashToken("b") {
		t.Error("two tokens share a hash")
	}
}
