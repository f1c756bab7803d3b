#!/bin/bash
# bench/ftp/run.sh: the FTP benchmark (go run ./bench/ftp) with vsftpd on
# loopback for comparison. Installs the Debian package vsftpd with apt-get
# when missing, writes its configuration in a temporary directory
# (anonymous upload, listening on 127.0.0.1:$VSFTPD_PORT, default 2221),
# runs it in the foreground in the background of this script, and stops
# it and removes everything at the end. Run as root (apt-get, and vsftpd
# needs root to chroot). Arguments go to the Go program:
#
#	bench/ftp/run.sh                    # 20 latency uploads, 1 GiB x 3 rounds
#	bench/ftp/run.sh -rounds 5 -size 2147483648
set -euo pipefail
cd "$(dirname "$0")/../.."

port=${VSFTPD_PORT:-2221}
if [ "$(id -u)" != 0 ]; then
	echo "bench/ftp/run.sh: run as root (apt-get, vsftpd)" >&2
	exit 1
fi
vsftpd=$(command -v vsftpd || echo /usr/sbin/vsftpd)
if [ ! -x "$vsftpd" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y vsftpd ||
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y vsftpd; }
	vsftpd=$(command -v vsftpd || echo /usr/sbin/vsftpd)
fi

tmp=$(mktemp -d /tmp/lectern-bench-vsftpd-XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# vsftpd refuses an anonymous root writable by the ftp user: the root is
# root's, the upload directory ftp's.
mkdir -p "$tmp/anon/upload" "$tmp/empty"
chmod 755 "$tmp" "$tmp/anon" "$tmp/empty"
chown ftp:ftp "$tmp/anon/upload"
cat >"$tmp/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$tmp/anon
anon_upload_enable=YES
write_enable=YES
anon_umask=022
local_enable=NO
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=30200
pasv_max_port=30300
connect_from_port_20=NO
secure_chroot_dir=$tmp/empty
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
dirmessage_enable=NO
CONF

"$vsftpd" "$tmp/vsftpd.conf" &
pid=$!
for _ in $(seq 50); do
	if curl -s --max-time 1 "ftp://127.0.0.1:$port/" -u anonymous:bench@ >/dev/null 2>&1; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench/ftp/run.sh: vsftpd did not start" >&2
		exit 1
	fi
	sleep 0.1
done
echo "vsftpd $(dpkg-query -W -f='${Version}' vsftpd 2>/dev/null) on 127.0.0.1:$port"

go run ./bench/ftp -vsftpd "127.0.0.1:$port" -vsftpd-dir "$tmp/anon/upload" "$@"
