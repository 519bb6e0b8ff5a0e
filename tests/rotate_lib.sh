# shellcheck shell=bash
# tests/rotate_lib.sh: helpers shared by the t_rotate*.sh tests (sourced
# after tests/lib.sh and qp_setup).

# rt_assert_installed CTL MSG: both files exactly as install leaves them:
# regular, one link, root:nofiles / root:qmail 0640, key matching the leaf.
rt_assert_installed() {
	local ctl=$1 msg=$2 f key crt
	qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
	qp_assert_file_perm "$ctl/clientcert.pem" root:qmail 0640
	for f in servercert.pem clientcert.pem; do
		key=$(qp_pubkey "$ctl/$f")
		crt=$(qp_cert_pubkey "$ctl/$f")
		qp_assert_eq "$key" "$crt" "$msg: $f key matches its certificate"
	done
	f=$(cd "$ctl" && find . -maxdepth 1 -name '.qmail-pem-tmp.*' | wc -l)
	qp_assert_eq 0 "$f" "$msg: no temp file left"
}

# rt_backups CTL NAME: print the backups of NAME, oldest first, one a line.
rt_backups() {
	# Oldest first, as qmail-pem orders them: by stamp, then by the
	# sequence number a second backup within the same second gets.
	(cd "$1" && find . -maxdepth 1 -name "$2.*.bak" -printf '%f\n' |
	    awk -v n="$2" '{ r = substr($0, length(n) + 2); split(r, f, ".");
		print f[1], (f[2] == "bak" ? 0 : f[2]), $0 }' |
	    sort -k1,1 -k2,2n | cut -d' ' -f3)
}

# rt_assert_backups_private CTL MSG: every backup is a regular root:root 0600
# file with one link.
rt_assert_backups_private() {
	local ctl=$1 msg=$2 b st n=0
	while IFS= read -r b; do
		[ -n "$b" ] || continue
		st=$(stat -c '%F %U:%G %a %h' -- "$ctl/$b")
		qp_assert_eq "regular file root:root 600 1" "$st" "$msg: $b is root:root 0600"
		n=$((n + 1))
	done < <(cd "$ctl" && find . -maxdepth 1 -name '*.bak' -printf '%f\n' | sort)
	[ "$n" -gt 0 ] || qp_fail "$msg: no backup at all"
}

# rt_json_changed: read rotate's JSON on stdin, print "top [per-file ...]".
rt_json_changed() {
	python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["changed"], [(f["name"], f["changed"]) for f in r["files"]])'
}
