#!/bin/bash
# bench/sftp/run.sh: the SFTP benchmark (go run ./bench/sftp) with
# OpenSSH's internal-sftp on loopback for comparison. Installs Debian's
# openssh-server when missing (scripts/deps), creates the system user
# lecternbench when missing (no shell, no password), writes an sshd
# configuration, a host key and the user's key in a temporary folder under
# /var/lib (a chroot's every path component must be root's and writable by
# nobody else, which /tmp is not), starts sshd in the foreground (-D) on a
# free loopback port, and stops it and removes everything at the end. The
# user is chrooted to that folder and forced to internal-sftp. Run as
# root. Arguments go to the Go program:
#
#	bench/sftp/run.sh                    # 20 latency uploads, 1 GiB x 5 rounds
#	bench/sftp/run.sh -rounds 9 -size 2147483648
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" != 0 ]; then
	echo "bench/sftp/run.sh: run as root (apt-get, sshd)" >&2
	exit 1
fi
scripts/deps openssh-server
user=lecternbench
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
# Without PAM, sshd refuses a locked account ("!" password): "*" is no
# password at all, yet not locked.
usermod -p '*' "$user"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

tmp=$(mktemp -d /var/lib/lectern-bench-sshd-XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

chmod 755 "$tmp"
mkdir -p "$tmp/chroot/upload" /run/sshd
chmod 755 "$tmp/chroot"
chown "$user" "$tmp/chroot/upload"
ssh-keygen -q -t ed25519 -N "" -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N "" -f "$tmp/user_key"
cp "$tmp/user_key.pub" "$tmp/authorized_keys"
chmod 644 "$tmp/authorized_keys"
cat >"$tmp/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $tmp/host_key
PidFile $tmp/sshd.pid
AuthorizedKeysFile $tmp/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers $user
Subsystem sftp internal-sftp
Match User $user
	ChrootDirectory $tmp/chroot
	ForceCommand internal-sftp
	AllowTcpForwarding no
	X11Forwarding no
CONF

/usr/sbin/sshd -D -e -f "$tmp/sshd_config" 2>"$tmp/sshd.log" &
pid=$!
for _ in $(seq 50); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench/sftp/run.sh: sshd did not start:" >&2
		cat "$tmp/sshd.log" >&2
		exit 1
	fi
	sleep 0.1
done
echo "OpenSSH $(dpkg-query -W -f='${Version}' openssh-server 2>/dev/null) internal-sftp on 127.0.0.1:$port"

trap 'tail -5 "$tmp/sshd.log" >&2' ERR
go run ./bench/sftp -openssh "127.0.0.1:$port" -openssh-user "$user" -openssh-key "$tmp/user_key" \
	-openssh-dir "$tmp/chroot/upload" -openssh-path /upload/big.bin "$@"
