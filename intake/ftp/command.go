package ftp

import (
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"goftp.io/server/v2"

	"lectern"
)

// commands returns the library's commands, each wrapped in a guard, plus
// ABOR, which the library lacks. LPRT (IPv4-only, and it crashes without a
// data connection) is left out.
func (s *Server) commands() map[string]server.Command {
	cmds := map[string]server.Command{}
	for name, c := range server.DefaultCommands() {
		if name == "LPRT" {
			continue
		}
		n := name
		if a, ok := aliases[n]; ok {
			n = a
		}
		switch name {
		case "PASV", "EPSV", "PORT", "EPRT":
			c = dataCommand{s: s, name: name}
		}
		cmds[name] = &guard{Command: c, s: s, name: n}
	}
	abor := &guard{Command: abor{}, s: s, name: "ABOR"}
	// Clients may send ABOR behind Telnet IP and Synch (RFC 959 4.1.3).
	// The library looks commands up by their upper-cased first word.
	for _, k := range []string{"ABOR", "\xff\xf4\xff\xf2ABOR", "\xff\xf4\xffABOR", "\xf2ABOR"} {
		cmds[strings.ToUpper(k)] = abor
	}
	return cmds
}

var aliases = map[string]string{"XCWD": "CWD", "XCUP": "CDUP", "XMKD": "MKD", "XPWD": "PWD", "XRMD": "RMD"}

// guard runs Lectern's checks and bookkeeping before a library command.
type guard struct {
	server.Command
	s    *Server
	name string
}

// IsExtend also advertises SIZE and MDTM (RFC 3659) in FEAT.
func (g *guard) IsExtend() bool {
	return g.Command.IsExtend() || g.name == "SIZE" || g.name == "MDTM"
}

func (g *guard) Execute(sess *server.Session, param string) {
	c := g.s.connOf(sess)
	if c == nil { // closed by Stop
		sess.WriteMessage(421, "Service not available, closing control connection.")
		sess.Close()
		return
	}
	c.commandRead()
	c.decide(g.name, sess, param)
	defer c.settleCarried()
	switch g.name {
	case "USER":
		g.s.user(c, sess, param, g.Command)
		return
	case "PASS":
		g.s.pass(c, sess, param, g.Command)
		return
	case "AUTH":
		// RFC 4217 names it TLS; older clients say SSL or TLS-C. The
		// library protects data connections on any TLS session anyway.
		switch strings.ToUpper(param) {
		case "TLS", "TLS-C", "SSL", "TLS-P":
			param = "TLS"
			c.rawMode = true // what follows is encrypted
		}
	case "REST":
		n, err := strconv.ParseInt(param, 10, 64)
		if err != nil || n < 0 {
			sess.WriteMessage(501, "REST wants a byte offset.")
			return
		}
		c.rest = n
	case "PORT", "EPRT":
		if r := activeRefusal(c, g.name, param); r.code != 0 {
			sess.WriteMessage(r.code, r.text)
			return
		}
	}
	switch g.name {
	case "STOR", "APPE", "RETR":
		// The library forgets REST when another command (PASV, say) comes
		// in between; Lectern keeps it until the transfer.
		c.xferOffset, c.rest = c.rest, -1
	case "REST", "PASV", "EPSV", "PORT", "EPRT", "TYPE", "NOOP", "MODE", "STRU":
	default:
		c.rest = -1
	}
	if code, msg := g.s.checkPath(c, g.name, sess, param); code != 0 {
		sess.WriteMessage(code, msg)
		return
	}
	if r := g.s.boundsRefusal(c, g.name, sess, param); r.code != 0 {
		sess.WriteMessage(r.code, r.text)
		return
	}
	switch g.name {
	case "STOR", "APPE", "RETR", "LIST", "NLST", "MLSD":
		if sess.DataConn() == nil {
			sess.WriteMessage(425, "Open a data connection first (PASV or EPSV).")
			return
		}
		if r := dataRefusal(c, sess.DataConn()); r.code != 0 {
			sess.WriteMessage(r.code, r.text)
			return
		}
	case "RNFR":
		c.renameFrom = sess.BuildPath(param)
	}
	g.Command.Execute(sess, param)
}

// checkPath refuses arguments that would leave the recorder's directory,
// and answers SIZE and STAT for missing files itself (the library logs
// those to the standard logger and answers 450, a transient error).
func (s *Server) checkPath(c *conn, name string, sess *server.Session, param string) (int, string) {
	switch name {
	case "CWD", "STOR", "APPE", "RETR", "DELE", "MKD", "RMD", "RNFR", "RNTO", "SIZE", "MDTM", "MLST", "LIST", "NLST", "MLSD", "STAT":
		if msg := badName(param); msg != "" {
			return 553, msg
		}
	}
	cur := sess.BuildPath("")
	switch name {
	case "CWD", "STOR", "APPE", "RETR", "DELE", "MKD", "RMD", "RNFR", "RNTO", "SIZE", "MDTM", "MLST", "LIST", "NLST", "MLSD", "STAT":
		arg := param
		if name == "LIST" || name == "NLST" || name == "MLSD" || name == "STAT" {
			arg = listPath(param)
		}
		if p, ok := resolve(cur, arg); ok && lectern.Reserved(p) {
			return 550, "Permission denied: " + lectern.StagingFolder + " is Lectern's folder for capture agents' uploads."
		}
	}
	switch name {
	case "CWD":
		if _, ok := resolve(cur, param); !ok {
			return 550, "Permission denied: that is outside your directory."
		}
	case "CDUP":
		if cur == "/" {
			return 550, "Permission denied: that is outside your directory."
		}
	case "STOR", "APPE", "RETR", "DELE", "MKD", "RMD", "RNFR", "RNTO", "SIZE", "MDTM", "MLST":
		if hasDotDot(param) {
			return 550, `Permission denied: ".." is not allowed in paths.`
		}
	case "LIST", "NLST", "MLSD", "STAT":
		if hasDotDot(listPath(param)) {
			return 550, `Permission denied: ".." is not allowed in paths.`
		}
	}
	if (name == "SIZE" || name == "STAT") && param != "" {
		sn := c.session()
		if sn == nil {
			return 530, "Not logged in."
		}
		p := sess.BuildPath(param)
		if name == "STAT" {
			p = sess.BuildPath(listPath(param))
		}
		fi, err := sn.root.Stat(sn.name(relPath(p))) // as driver.Stat
		if err != nil {
			return 550, "No such file or directory."
		}
		if name == "SIZE" && !fi.Mode().IsRegular() {
			return 550, "Not a regular file."
		}
	}
	return 0, ""
}

// resolve joins arg to the current directory as the library does, but
// reports whether ".." would climb above "/", which the library silently
// turns into "/".
func resolve(cur, arg string) (string, bool) {
	p := arg
	if !strings.HasPrefix(arg, "/") {
		p = cur + "/" + arg
	}
	depth := 0
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return "", false
			}
		default:
			depth++
		}
	}
	return path.Clean("/" + p), true
}

// Limits of the names a client may give: Linux's, so that a name is
// refused with a clear reply before the file system refuses it.
const (
	maxNameBytes = 255  // one path component
	maxPathBytes = 1024 // a whole argument
)

// badName explains why a path argument is not allowed (RFC 959's 553,
// "File name not allowed"), or returns "". Names must be UTF-8 (RFC
// 2640): they end up in the database, in JSON and in the add form's
// links, which could not name a file whose name is not. Control
// characters (NUL, CR, a line feed that would end the command, tab…)
// and names longer than the file system allows are refused too.
func badName(param string) string {
	if !utf8.ValidString(param) {
		return "File name not allowed: it is not valid UTF-8."
	}
	for _, r := range param {
		if r < 0x20 || r == 0x7f {
			return "File name not allowed: it holds a control character."
		}
	}
	if len(param) > maxPathBytes {
		return fmt.Sprintf("File name not allowed: longer than %d bytes.", maxPathBytes)
	}
	for _, seg := range strings.Split(param, "/") {
		if len(seg) > maxNameBytes {
			return fmt.Sprintf("File name not allowed: a name is longer than %d bytes.", maxNameBytes)
		}
	}
	return ""
}

func hasDotDot(arg string) bool {
	for _, seg := range strings.Split(arg, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// listPath is the path argument of LIST and friends once options such as
// "-la" are skipped, as the library reads it.
func listPath(param string) string {
	if param == "" {
		return ""
	}
	i := 0
	for _, field := range strings.Fields(param) {
		if !strings.HasPrefix(field, "-") {
			break
		}
		i = strings.LastIndex(param, " "+field) + len(field) + 1
	}
	if i < 0 || i > len(param) {
		return ""
	}
	return strings.TrimLeft(param[i:], " ")
}

type reply struct {
	code int
	text string
}

// activeRefusal checks PORT and EPRT: the data connection may only go to
// the client itself (no FTP bounce), to an unprivileged port, and not on a
// TLS session, whose data the library would send in clear.
func activeRefusal(c *conn, name, param string) reply {
	if c.isTLS() {
		return reply{534, "Active mode is not available with TLS: use PASV or EPSV."}
	}
	var host, port string
	if name == "PORT" {
		f := strings.Split(param, ",")
		if len(f) != 6 {
			return reply{501, "Syntax error in PORT."}
		}
		for _, n := range f {
			if v, err := strconv.Atoi(strings.TrimSpace(n)); err != nil || v < 0 || v > 255 {
				return reply{501, "Syntax error in PORT."}
			}
		}
		host = strings.Join(f[:4], ".")
		p1, _ := strconv.Atoi(strings.TrimSpace(f[4]))
		p2, _ := strconv.Atoi(strings.TrimSpace(f[5]))
		port = strconv.Itoa(p1*256 + p2)
	} else {
		if len(param) < 2 {
			return reply{501, "Syntax error in EPRT."}
		}
		f := strings.Split(param, param[:1])
		if len(f) != 5 || (f[1] != "1" && f[1] != "2") {
			return reply{522, "Network protocol not supported, use (1,2)."}
		}
		host, port = f[2], f[3]
	}
	ip, err := netip.ParseAddr(host)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil || p < 1 || p > 65535 {
		return reply{501, "Syntax error in " + name + "."}
	}
	if ip.Unmap() != c.ip || p < 1024 {
		return reply{504, "Data connections go only to your own address and an unprivileged port."}
	}
	return reply{}
}

// abor answers ABOR. The library runs one command at a time, so no
// transfer is under way when it arrives; guard.Execute has already kept
// the upload just ended held.
type abor struct{}

func (abor) IsExtend() bool     { return false }
func (abor) RequireParam() bool { return false }
func (abor) RequireAuth() bool  { return true }
func (abor) Execute(sess *server.Session, _ string) {
	sess.WriteMessage(226, "Abort successful.")
}
