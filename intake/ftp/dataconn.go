package ftp

import (
	"net"
	"net/netip"
	"reflect"
	"sync"
	"unsafe"

	"goftp.io/server/v2"
)

// libPackage is the package of the library's data sockets.
const libPackage = "goftp.io/server/v2"

var (
	mutexType = reflect.TypeFor[sync.Mutex]()
	connType  = reflect.TypeFor[net.Conn]()
)

// dataPeer returns the address the session's passive data connection came
// from, waiting for the client to connect as the transfer itself would.
// ok is false when that cannot be told: the library's passive socket
// keeps its connection unexported (goftp.io/server/v2 v2.0.3 has no check
// of its own, see doc.go), so it is read under the socket's own lock;
// TestStolenDataConnection fails if a new version of the library changes
// the socket's shape. A socket whose accept failed has no peer (ok true,
// peer invalid).
func dataPeer(ds server.DataSocket) (peer netip.Addr, ok bool) {
	v := reflect.ValueOf(ds)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return netip.Addr{}, false
	}
	e := v.Elem()
	if e.Type().PkgPath() != libPackage || e.Type().Name() != "passiveSocket" {
		return netip.Addr{}, false
	}
	lockField, connField := e.FieldByName("lock"), e.FieldByName("conn")
	if !lockField.IsValid() || lockField.Type() != mutexType || !connField.IsValid() || connField.Type() != connType {
		return netip.Addr{}, false
	}
	mu := (*sync.Mutex)(unsafe.Pointer(lockField.UnsafeAddr()))
	mu.Lock() // held by the library until its accept returns
	nc := *(*net.Conn)(unsafe.Pointer(connField.UnsafeAddr()))
	mu.Unlock()
	if nc == nil {
		return netip.Addr{}, true
	}
	return remoteIP(nc.RemoteAddr()), true
}

// isActive reports whether ds is the library's active (PORT, EPRT) data
// socket, whose address activeRefusal checked before it was opened.
func isActive(ds server.DataSocket) bool {
	t := reflect.TypeOf(ds)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == libPackage && t.Elem().Name() == "activeSocket"
}

// dataRefusal checks, before a transfer, that its data connection comes
// from the control connection's client (vsftpd's pasv_promiscuous=NO): a
// third party that connected first to the passive port announced in a
// PASV reply must not get the listing or the file, nor upload in the
// recorder's name. A refused data connection is closed.
func dataRefusal(c *conn, ds server.DataSocket) reply {
	if isActive(ds) {
		return reply{}
	}
	peer, ok := dataPeer(ds)
	switch {
	case !ok:
		c.s.log.Error("ftp data connection of an unknown kind: refused", "remote_addr", c.key, "type", reflect.TypeOf(ds).String())
		_ = ds.Close()
		return reply{425, "Data connection refused: its origin cannot be checked."}
	case !peer.IsValid():
		_ = ds.Close()
		return reply{425, "No data connection was opened: send PASV or EPSV again, then connect."}
	case peer != c.ip:
		c.s.log.Warn("ftp data connection from another address: refused", "remote_addr", c.key, "data_addr", peer.String())
		_ = ds.Close()
		return reply{425, "Data connection refused: it must come from the same address as the control connection."}
	}
	return reply{}
}
