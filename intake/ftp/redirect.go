package ftp

import (
	"sync"

	"lectern"
)

// redirects are the names a session asked for and got another one: an
// upload (STOR record.mp4) or a rename (RNTO record.mp4) onto the name of
// an earlier deposit is stored under a name of its own (record-2.mp4, see
// depositName and renameTarget), and the recorder's client is not told.
// It then names its file by the name it asked for: SIZE record.mp4 to
// check that the upload arrived whole, MDTM, RETR, RNFR to rename it, DELE
// to remove it. Those must be about its file, not the earlier deposit's
// (which is being published, or gone: a 550, or another size, would make
// the client upload again, or delete someone's recording). So for the
// rest of the session, a name it was redirected from means the file it
// got, as long as that file is still there (same inode); once it is gone
// (published and moved into media storage, renamed by another session,
// deleted), the name means what is at it, as for any other session.
type redirects struct {
	mu sync.Mutex
	m  map[string]redirect // by the name asked, relative to the root
}

type redirect struct {
	rel string // the name the file got
	ino uint64 // the file's inode, to tell it from a later file of that name
}

// set records that asked was stored as rel, whose file has inode ino; an
// ino of 0 (unknown) or rel == asked forgets asked.
func (r *redirects) set(asked, rel string, ino uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rel == asked || ino == 0 {
		delete(r.m, asked)
		return
	}
	if r.m == nil {
		r.m = map[string]redirect{}
	}
	r.m[asked] = redirect{rel: rel, ino: ino}
}

// forget drops the redirect of asked (its file was renamed or deleted by
// the session).
func (r *redirects) forget(asked string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, asked)
}

// name is the session's file for rel (as relPath gives it): the file its
// upload or rename to rel got, while it is still there, else rel.
func (sn *session) name(rel string) string {
	sn.redirects.mu.Lock()
	to, ok := sn.redirects.m[rel]
	sn.redirects.mu.Unlock()
	if !ok {
		return rel
	}
	if fi, err := sn.root.Lstat(to.rel); err == nil && fi.Mode().IsRegular() {
		if ino, _ := lectern.FileIdentity(fi); ino == to.ino {
			return to.rel
		}
	}
	return rel
}
