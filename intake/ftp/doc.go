// Package ftp is Lectern's embedded FTP(S) server for recorders: the first
// deposit path. It is a driver and a set of command wrappers for
// goftp.io/server/v2; the library speaks the protocol, this package decides
// who may log in, what a recorder may touch and when an upload is complete.
//
// # Logging in
//
// A recorder logs in with its CredentialsLogin and the password whose hash
// is CredentialsPasswordHash. The recorder is read from the store at every
// login (no cache), so a recorder created or changed from the command line
// a moment ago can log in at once. An unknown login costs the same bcrypt
// time as a wrong password (password.CheckNone). With CheckRecorderIP the
// client address must also be the recorder's AddressIP.
//
// Failed logins are counted per client address: after MaxLoginFailures
// failures within LoginWindow the address is refused (421, connection
// closed) for LoginBlock, and every failure is answered only after
// LoginFailureDelay. Attempts under way count too: an address has at most
// MaxLoginFailures minus its recent failures passwords being checked at
// once; a PASS beyond is answered 421 unchecked, so that 40 parallel
// guesses cost at most 5 password checks, not 40.
//
// # What a client may hold
//
// MaxClients control connections at once, MaxPerIP from one address (200,
// 20, as vsftpd's max_clients and max_per_ip): one more is answered 421
// and closed before the library sees it, so idle connections cannot take
// the process's file descriptors (and the web server with them). A client
// has LoginTimeout (60s) from its connection to log in, however often it
// sends a command, then IdleTimeout (10 minutes) between commands; a
// reply it does not read for that long fails the connection too. A
// command line is at most MaxLineBytes (4 KiB, vsftpd's cap): a longer
// one is answered 500 and the connection closed (on a TLS session, where
// line feeds cannot be seen under the library, 64 KiB read without a
// command closes it).
//
// A session has at most one data connection: a new PASV, EPSV, PORT or
// EPRT closes the one before, and QUIT and the end of the control
// connection close it. Passive ports are opened by Lectern on the
// address the client connected to (not on every interface), from
// PassivePortLow to PassivePortHigh, both included; the first connection
// to one is the data connection, checked before the transfer (below). A
// transfer whose data connection makes no progress for DataTimeout (5
// minutes) fails: an upload is then broken off and stays held.
//
// A recorder may make at most MaxDirs directories (100), nested at most
// MaxDepth deep (8), and hold at most MaxFiles files (10000): MKD, STOR
// and APPE of a new file, and RNTO of a directory, beyond are answered
// 552 (too many) or 553 (too deep) with the reason.
//
// Explicit FTPS (AUTH TLS, RFC 4217) is always offered, with TLSCert and
// TLSKey or a self-signed ECDSA certificate generated once into CertDir.
// With RequireTLS, USER and PASS are refused (530) until AUTH TLS has
// succeeded. Active mode (PORT, EPRT) connects only to the client's own
// address and is refused on a TLS session, because the library would open
// that data connection in clear.
//
// # What a recorder sees
//
// The recorder's directory, Root/<Directory>/, created (0750) at login when
// missing, is "/": an absolute path names a file in it, never on the host.
// It may upload (STOR, APPE, REST then STOR), list (LIST, NLST, MLSD, MLST,
// SIZE, MDTM, STAT), download its own files (RETR), make and remove
// sub-directories, rename and delete files. An argument with a ".."
// segment is refused (550), except that CWD and CDUP may climb back up as
// long as they stay inside "/". Every file operation goes through an
// os.Root opened on the recorder's directory, so a symbolic link planted
// there that points outside is never followed, whatever the command, and
// listings leave such links out.
//
// An upload (or RNTO) onto the name of an earlier deposit is stored under a
// name of its own (record.mp4 as record-2.mp4), so that neither is lost.
// For the rest of that session the name it asked for means its file: SIZE,
// MDTM, STAT, MLST, RETR, RNFR and DELE of record.mp4 are about
// record-2.mp4 while it is there, so a client that checks its upload with
// SIZE finds what it sent. Other sessions see what is at each name.
//
// # When an upload is complete
//
// The library reports an upload as done when its data connection reaches
// end of file. That is not proof: when a client process is killed, its
// kernel closes the data connection cleanly too, so a half-sent file ends
// with the same EOF as a whole one. What differs is the control
// connection: a killed client's is closed at the same instant, while a
// client that finished keeps talking or at least stays connected. So:
//
//   - The hold comes first: once the first bytes arrive and before the file
//     is written, the file is held (SightingService.HoldFile), so the
//     directory watcher and the cron command never complete it.
//   - A transfer that fails (read error, reset, disk error, offset beyond
//     the file) is broken off: the file stays held.
//   - A transfer that reads to EOF gets its 226 reply and becomes pending.
//     Just before that reply, the end of the transfer and the file's size
//     are recorded on its sighting (SightingService.MarkTransferEnded).
//     A pending upload is complete (Intake.Complete with SourceFTP) at the
//     first of: the client's next command (QUIT included), or ConfirmAfter
//     (1 s by default) with the control connection still open and silent.
//   - It stays held, and the mark is cleared, if first the control
//     connection closes or fails, the client sends ABOR, or the next
//     command is a new STOR or APPE of the same file (a restarted upload);
//     any new transfer into the file clears the mark too. Commands that
//     prepare a transfer or only look (NOOP, TYPE, PASV, EPSV, PORT, EPRT,
//     REST, SIZE, MDTM, PWD, FEAT, SYST, OPTS, PBSZ, PROT, MLST, STAT,
//     MODE, STRU, ALLO, CLNT) do not decide: they leave the wait running.
//   - If the server stops (Stop) or dies (killed, power cut) while an
//     upload is pending, the mark stays: at its next start, before it
//     accepts connections, the server completes every held file with a
//     mark whose size is still the recorded one, as if the client had
//     confirmed it ("completed after a restart" in the log). A marked file
//     that is gone or has another size stays held, with a warning.
//   - A held file is completed later only by the FTP server: when the
//     recorder resumes it (REST n then STOR, or APPE) or uploads it again
//     and that transfer ends as above; then it is completed once, with the
//     size of the whole file and FirstSeen from its first hold. Deleting a
//     file releases its hold.
//   - RNFR/RNTO right after an upload carries the pending upload to the new
//     name (the "upload as x.tmp, rename to x.mp4" pattern): the new name
//     is completed, the old hold released. Renaming any other file that is
//     not held completes the new name; renaming a held file moves the hold.
//   - A clean upload that Intake ignores (temporary name, empty file) or
//     fails to record is released (no longer held), so that the watcher's
//     rescan is the safety net.
//
// The cost of this rule is that a client which closes the control
// connection right after the 226 reply, without QUIT, leaves its file held
// until it uploads it again; the hold is visible in the sightings table.
// The mark cannot tell a server death from a client killed at the same
// instant as the server (its control connection's end was never read):
// such a file is completed at the restart. Detection is otherwise
// immediate: a client that sends QUIT after STOR has its treatment before
// the 221 reply.
//
// # Limits of goftp.io/server/v2 (v2.0.3)
//
// The library reads command lines without a limit, has no connection
// budget and no timeout on data connections; its passive ports listen on
// every interface, for a minute, and a new PASV does not close the last
// one (55 PASV held 55 ports). So Lectern caps lines and counts
// connections under the library (conn, listener), and opens the data
// connections itself (dataSocket), handing them to the session through
// its one unexported field (setDataConn, checked at each use). Before
// each transfer it refuses (425) a passive data connection that does not
// come from the control connection's address, as vsftpd does by default;
// the thief got nothing and the client asks for PASV again. Its Serve does
// not load the TLS configuration (only ListenAndServe does), so Start calls
// ListenAndServe once with an invalid port to load it, then Serve on the
// listener Start opened. It has no ABOR command and resets REST when any
// command comes between REST and STOR; both are handled here. Its session
// identifier is shared by every session, so logs carry the client address
// instead.
package ftp
