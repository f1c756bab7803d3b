package password

import (
	"strings"
	"testing"
)

func TestHashCheck(t *testing.T) {
	t.Parallel()
	h, err := Hash("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if h == "s3cret" || !strings.HasPrefix(h, "$2") {
		t.Fatalf("hash looks wrong: %q", h)
	}
	if !Check(h, "s3cret") {
		t.Error("right password refused")
	}
	if Check(h, "wrong") || Check("", "") {
		t.Error("wrong password accepted")
	}
	if _, err := Hash(strings.Repeat("x", 73)); err != ErrTooLong {
		t.Errorf("73-byte password: err = %v, want ErrTooLong", err)
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	// MD5("ca1:Opencast:pw"), by md5sum.
	d := Digest("ca1", "pw")
	md5HA1, ok := DigestHA1(d, "MD5", "ca1")
	if !ok || md5HA1 != "fd820de286ac438e3e5467504b1d6b55" {
		t.Fatalf("MD5 HA1 = %q, %v", md5HA1, ok)
	}
	if sha, ok := DigestHA1(d, "SHA-256-sess", "ca1"); !ok || len(sha) != 64 {
		t.Errorf("SHA-256 HA1 = %q, %v", sha, ok)
	}
	if _, ok := DigestHA1(d, "MD5", "other"); ok {
		t.Error("secrets made for ca1 given for another login")
	}
	if _, ok := DigestHA1("", "MD5", "ca1"); ok {
		t.Error("no secrets, yet an HA1")
	}
	if _, ok := DigestHA1(d, "SHA-512-256", "ca1"); ok {
		t.Error("unknown algorithm accepted")
	}
	if Digest("", "pw") != "" || Digest("a b", "pw") != "" || Digest("a", "") != "" {
		t.Error("secrets for an empty or spaced login or an empty password")
	}
}
