// Package sftp is Lectern's embedded SFTP server for recorders, beside
// the FTP server (intake/ftp) and behaving as it does. golang.org/x/crypto/ssh
// speaks SSH and github.com/pkg/sftp's request server speaks SFTP; this
// package decides who may log in, what a recorder may touch and when an
// upload is complete.
//
// # Logging in
//
// A recorder logs in as its CredentialsLogin with the password whose hash
// is CredentialsPasswordHash (its FTP login and password), or with one of
// the public keys of its SFTPAuthorizedKeys (OpenSSH authorized_keys
// lines, set on its form). The recorder is read from the store at every
// login. An unknown login costs the same bcrypt time as a wrong password.
// With CheckRecorderIP the client address must also be the recorder's
// AddressIP.
//
// Failed logins are counted per client address with the FTP server's
// rule (package throttle): each wrong password is a failure, and a
// connection that offered keys, none authorized, and no password, is one.
// After MaxLoginFailures failures within LoginWindow the address is
// refused for LoginBlock: its connections are closed at once, before the
// handshake. A wrong password is answered after LoginFailureDelay.
//
// # What a client may hold
//
// MaxClients connections at once, MaxPerIP from one address; beyond, a
// connection is closed before its handshake. A connection has
// LoginTimeout from its start to log in, then IdleTimeout without
// traffic either way. It may open "session" channels (at most 4 at once)
// and ask each for the "sftp" subsystem, nothing else: shell, exec,
// pty-req, env, x11 and agent requests are refused, and so are
// "direct-tcpip" channels and "tcpip-forward" requests (no port
// forwarding). At most 64 files and listings are open on a connection at
// once. A recorder may make at most MaxDirs directories, nested at most
// MaxDepth deep, and hold at most MaxFiles files, as on the FTP server.
//
// # What a recorder sees
//
// The recorder's directory, Root/<Directory>/, created (0750) at login
// when missing, is "/": pkg/sftp resolves ".." against "/" before a
// request reaches the handlers, so "/../../etc/passwd" is
// "/etc/passwd" in the recorder's directory. Every file operation goes
// through an os.Root opened on the recorder's directory, so a symbolic
// link planted there that points outside is never followed: reading
// through it is refused, writing through any link is refused, listings
// leave such links out. Symlink, link and readlink requests are refused.
// A recorder may upload (a new file, a file written over, a file resumed:
// opened without truncation and written from an offset), list, stat,
// read its own files, make and remove directories, rename and delete
// files, and set a file's times; a mode it sets is ignored (files stay
// 0640), ownership and size (truncation by setstat) are refused.
//
// # When an upload is complete
//
// SFTP, unlike FTP, says when a transfer is whole: the client closes the
// file's handle (SSH_FXP_CLOSE) after its last write. So:
//
//   - A file opened for writing is held (SightingService.HoldFile) from
//     its open, before the first write, so the directory watcher and the
//     cron command never complete it.
//   - When its handle is closed by the client and every write succeeded,
//     it is complete: its size and end are marked on its sighting
//     (MarkTransferEnded), then Intake.Complete with SourceSFTP records the
//     deposit before the close is answered. Detection is immediate.
//   - When the connection ends with the handle still open (the client was
//     killed, the network dropped, the server stops), pkg/sftp reports a
//     transfer error before closing the file: the upload is broken off
//     and stays held. A write that failed (disk full) breaks it off too.
//   - A held file is completed when the recorder resumes it (opens it
//     without truncation and writes the rest) or uploads it again, and
//     closes it: once, with the size of the whole file and FirstSeen from
//     its first hold.
//   - A rename of a file that is not held completes the new name (the
//     "upload as x.tmp, rename to x.mp4" pattern: x.tmp, a temporary
//     name, was released, not a deposit); a held file stays held under
//     its new name. Deleting a file releases its hold; a waiting deposit
//     deleted is marked vanished.
//   - An upload (or a rename) onto the name of an earlier deposit is
//     stored under a name of its own (record.mp4 as record-2.mp4), as on
//     the FTP server; as there, for the rest of the session the name it
//     asked for means its file (stat, read, setstat, rename, delete), so
//     that a client that checks its upload finds what it sent. Other
//     sessions see what is at each name.
//   - A file closed whose deposit the server did not record before it
//     stopped (it died between) is completed at the next start if it
//     still has the size it had at the close (completeEnded).
package sftp
