package ftp

import (
	"fmt"
	"log/slog"
)

// libLogger sends the library's own messages (every command and reply) to
// slog at debug level. The library's session id is shared by all sessions,
// so it is left out.
type libLogger struct{ log *slog.Logger }

func (l libLogger) Print(_ string, message any) {
	l.log.Debug("ftp library", "message", fmt.Sprint(message))
}

func (l libLogger) Printf(_ string, format string, v ...any) {
	l.log.Debug("ftp library", "message", fmt.Sprintf(format, v...))
}

func (l libLogger) PrintCommand(_ string, command, param string) {
	if command == "PASS" {
		param = "****"
	}
	l.log.Debug("ftp command", "command", command, "param", param)
}

func (l libLogger) PrintResponse(_ string, code int, message string) {
	l.log.Debug("ftp reply", "code", code, "message", message)
}
