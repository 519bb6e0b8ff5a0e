# shellcheck shell=bash
# t_install_atomic.sh: the system calls qmail-pem install makes, traced with
# strace: each file is a temp file in the directory, created O_EXCL|O_NOFOLLOW
# with mode 0600, given its owner and mode before a byte is written, fsynced,
# renamed into place, and the directory fsynced; a kept file whose owner or
# mode is wrong is written anew the same way (its bytes in a new file),
# never changed on its live inode.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require strace awk

trace="$QP_TMP/.qp/trace"

# traced ARGS...: run qmail-pem ARGS under strace (file and owner calls).
traced() {
	strace -f -qq -s 32 -e signal=none -o "$trace" \
	    -e trace=open,openat,creat,truncate,ftruncate,chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat,write,fsync,fdatasync,close,rename,renameat,renameat2,link,linkat,symlinkat,unlinkat \
	    "$QMAIL_PEM" "$@"
}

# story: one line per file descriptor qmail-pem opened on a temp file or on
# servercert.pem/clientcert.pem, with what it did to it, e.g.
#   servercert.pem: create 0600, fchown 0:20001, fchmod 0640, write, fsync,
#   close, rename, dirsync
# (plain reads, "open, close", are left out), and a line for every call that
# writes by name, follows a link or changes a file by path.
story() {
	awk '
	function add(fd, what) { if (fd in rec) ev[rec[fd]] = ev[rec[fd]] ", " what }
	{ sub(/^[0-9]+ +/, "") }
	/^openat\(/ {
		split($0, a, "\"")
		file = a[2]
		ret = $0; sub(/.*= /, "", ret)
		if (file ~ /^\.qmail-pem-tmp\./) {
			final = file
			sub(/^\.qmail-pem-tmp\./, "", final); sub(/\.[0-9a-f]+$/, "", final)
			mode = $0; sub(/.*, /, "", mode); sub(/\).*/, "", mode)
			safe = /O_CREAT/ && /O_EXCL/ && /O_NOFOLLOW/ && /O_CLOEXEC/
			ev[++n] = final ": create " mode \
			    (safe ? "" : " WITHOUT O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC")
			rec[ret] = n; tmp[file] = n
		} else if (file ~ /^(servercert|clientcert)\.pem$/) {
			if (/O_WRONLY|O_RDWR|O_TRUNC|O_CREAT/) print "WRITE BY NAME: " $0
			if (!/O_NOFOLLOW/) print "FOLLOWS LINKS: " $0
			ev[++n] = file ": open"; rec[ret] = n
		}
		next
	}
	/^fchown\(/ { split($0, a, /[(,)]/); add(a[2], "fchown " a[3] + 0 ":" a[4] + 0); next }
	/^fchmod\(/ { split($0, a, /[(,)]/); gsub(/ /, "", a[3]); add(a[2], "fchmod " a[3]); next }
	/^write\(/ { split($0, a, /[(,]/); add(a[2], "write"); next }
	/^fsync\(/ {
		split($0, a, /[()]/)
		if (a[2] in rec) { add(a[2], "fsync"); next }
		for (i in pending) ev[i] = ev[i] ", dirsync"
		delete pending
		next
	}
	/^close\(/ {
		split($0, a, /[()]/)
		if (a[2] in rec) { add(a[2], "close"); delete rec[a[2]] }
		next
	}
	/^renameat2?\(/ {
		split($0, a, "\"")
		if (a[2] in tmp) { ev[tmp[a[2]]] = ev[tmp[a[2]]] ", rename"; pending[tmp[a[2]]] = 1 }
		next
	}
	/^(chmod|chown|lchown|fchmodat|truncate|creat|rename|link|linkat)\(/ { print "BY PATH: " $0; next }
	/^fchownat\(/ && !/AT_SYMLINK_NOFOLLOW/ { print "BY PATH: " $0; next }
	/^open\(/ && /(servercert|clientcert)\.pem/ { print "BY PATH: " $0; next }
	END {
		for (i = 1; i <= n; i++)
			if (ev[i] !~ /: open(, close)?$/)
				print ev[i]
	}' "$trace"
}

# --- a fresh directory: two new files ------------------------------------------
ctl=$(qp_mkcontrol)
qp_assert_status 0 traced install -d "$ctl"
got=$(story)
qp_assert_eq "servercert.pem: create 0600, fchown 0:$QP_GID_nofiles, fchmod 0640, write, fsync, close, rename, dirsync
clientcert.pem: create 0600, fchown 0:$QP_GID_qmail, fchmod 0640, write, fsync, close, rename, dirsync" \
    "$got" "fresh: O_EXCL 0600 temp, owner and mode, write, fsync, rename, fsync of the directory"

# --- the qmailrocks layout: a file repaired, a symlink replaced --------------------
ctl=$(qp_mkcontrol)
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.com \
    -keyout "$ctl/servercert.pem" -out "$QP_TMP/.qp/cert.pem" 2>/dev/null
cat "$QP_TMP/.qp/cert.pem" >>"$ctl/servercert.pem"
chown vpopmail:qmail "$ctl/servercert.pem"
chmod 0644 "$ctl/servercert.pem"
ln -s servercert.pem "$ctl/clientcert.pem"
qp_assert_status 0 traced install -d "$ctl"
got=$(story)
fix=$(printf '%s\n' "$got" | grep '^servercert.pem: ' || true)
qp_assert_eq "servercert.pem: create 0600, fchown 0:$QP_GID_nofiles, fchmod 0640, write, fsync, close, rename, dirsync" \
    "$fix" "kept file: its bytes in a new temp file with the new owner and mode, renamed over it; nothing done to the live inode"
new=$(printf '%s\n' "$got" | grep '^clientcert.pem: create' || true)
qp_assert_eq "clientcert.pem: create 0600, fchown 0:$QP_GID_qmail, fchmod 0640, write, fsync, close, rename, dirsync" \
    "$new" "the symlink is replaced by a temp file renamed over it"
bad=$(printf '%s\n' "$got" | grep -E 'BY PATH|WRITE BY NAME|FOLLOWS LINKS' || true)
qp_assert_eq "" "$bad" "no call changes a file by path, none follows a link"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640

# --- a whole run with the key files watched: never readable beyond their group --
ctl=$(qp_mkcontrol)
qp_assert_status 0 traced install -d "$ctl" --distinct-keys
got=$(story)
bad=$(printf '%s\n' "$got" | grep -E 'BY PATH|WRITE BY NAME|FOLLOWS LINKS|WITHOUT' || true)
qp_assert_eq "" "$bad" "--distinct-keys: every file made the same safe way"
n=$(printf '%s\n' "$got" | grep -c ': create 0600, fchown 0:[0-9]*, fchmod 0640, write, fsync, close, rename, dirsync$')
qp_assert_eq 2 "$n" "--distinct-keys: both files written atomically"

qp_done
