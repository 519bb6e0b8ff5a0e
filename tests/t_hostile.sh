#!/bin/bash
# t_hostile.sh: a control directory prepared by an attacker.  Links at the
# key file names, at the temp names and at the backup names point at files
# outside DIR (a fake /etc/shadow and a valid key file); a FIFO or a
# directory stands where servercert.pem should be; DIR or a parent is
# writable by a group or owned by another user; DIR is a symlink.  Every
# command that writes (install, install --new-key, rotate, rollback) and
# those that read (verify, tlsa) is run on each; each run must:
#   - end within its time limit (a FIFO must not block it);
#   - exit 0 with both files in their target state (regular, one link,
#     root:nofiles / root:qmail 0640, key matching its certificate), or be
#     refused with a sysexits.h status and one line on stderr;
#   - leave the files outside DIR byte-identical, with the same owner and
#     mode, and create nothing outside DIR;
#   - never make an entry of DIR a symlink or a hard link it was not (the
#     backup of a planted symlink is that symlink, as it was).
# (install's refusals of unsafe directories, with their messages, are in
# t_install_refuse.sh; this test runs every command against them.)
set -eu
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
. "$QP_SRCDIR/tests/hardening.sh"

ec="--key-type ec-p256"
writers=("install -q" "install -q --new-key $ec")
hd_has_command rotate && writers+=("rotate -q")
hd_has_command rollback && writers+=("rollback -q")
readers=(verify)
hd_has_command tlsa && readers+=(tlsa)
echo "# writers: ${writers[*]}; readers: ${readers[*]}"

# The files an attacker wants written or read: outside DIR, same filesystem.
out=$QP_TMP/outside
mkdir -m 0700 "$out"
printf 'root:$6$secret$hash:19000:0:99999:7:::\n' >"$out/shadow"
chmod 0600 "$out/shadow"

# The templates: a pair, and a pair with backups (for rollback).
tpl=$QP_TMP/tpl
mkdir -m 0755 "$tpl" "$tpl/pair"
printf 'mail.example.com\n' >"$tpl/pair/me"
"$QMAIL_PEM" install -q $ec -d "$tpl/pair" || qp_fail "cannot make the template"
cp -a "$tpl/pair" "$tpl/backups"
"$QMAIL_PEM" install -q --new-key $ec -d "$tpl/backups" ||
    qp_fail "cannot make the template with backups"
# A valid key file outside DIR, for hard links (install keeps its key).
cp "$tpl/pair/servercert.pem" "$out/keep.pem"
chown 0:0 "$out/keep.pem"
chmod 0600 "$out/keep.pem"

# outside_state: owner, mode, size, mtime and sha256 of everything in $out
# (not the link count or ctime: a hard link to it may go away).
outside_state() {
	find "$out" -printf '%P|%y|%U|%G|%m|%s|%T@|%l\n' | sort
	find "$out" -type f -exec sha256sum {} + | sort
}
outside_before=$(outside_state)
tmp_before=$(find "$QP_TMP" -maxdepth 1 -printf '%P\n' | sort)

n=0
# new_dir [TEMPLATE]: a fresh copy in $QP_TMP/c.N/control; sets ctl.
new_dir() {
	n=$((n + 1))
	mkdir -m 0755 "$QP_TMP/c.$n"
	ctl=$QP_TMP/c.$n/control
	cp -a "$tpl/${1:-pair}" "$ctl"
}

# links_in DIR: the entries of DIR that are symlinks or have several links
# (not the count: it drops when another link to the same file goes).
links_in() {
	find "$1" -mindepth 1 -maxdepth 1 \( -type l -o -links +1 \) \
	    -printf '%f %y %l\n' | sort
}

# target_state DIR: both files regular, one link, their final owner, group
# and mode, a whole key and certificate that match.
target_state() {
	local f type uid gid mode nlink sum
	hd_scan "$1"
	for f in $HD_NAMES; do
		IFS='|' read -r type uid gid mode nlink sum <<<"${HD_CUR[$f]:-}"
		[ "$type|$uid|$gid|$mode|$nlink" = "f|${HD_TARGET[$f]}|1" ] || {
			echo "$f: ${HD_CUR[$f]:-missing}" >&2
			return 1
		}
		hd_pubkey "$1/$f" "$sum"
		[ "$HD_PUB" != bad ] || { echo "$f: not a matching key and certificate" >&2; return 1; }
	done
}

# attempt WHAT DIR CMD...: run qmail-pem CMD -d DIR and assert the above.
# For a writer that exits 0 the files must be in their target state.  In
# the valgrind_ twin every other attempt runs under memcheck (qp_turn),
# and the next group of attempts (one attack, every command) starts on the
# other foot: each command is memchecked under every other attack.
_th_group=0 _th_idx=0
attempt() {
	local what=$1 dir=$2 st=0 lines before_links after_links extra
	shift 2
	before_links=$(links_in "$dir" 2>/dev/null || true)
	_th_idx=$((_th_idx + 1))
	qp_turn $((_th_group + _th_idx)) 2
	# shellcheck disable=SC2048,SC2086  # the command is words
	timeout -k 5 30 "$QP_BIN" $* -d "$dir" >"$QP_TMP/out" 2>"$QP_TMP/err" ||
	    st=$?
	[ "$st" -ne 124 ] && [ "$st" -ne 137 ] ||
	    qp_fail "$what: qmail-pem $* hung (killed after 30 s)"
	case $1 in
	verify)
		[ "$st" -le 3 ] ||
		    qp_fail "$what: verify exit $st is not a Nagios status: $(cat "$QP_TMP/err")"
		;;
	*)
		if [ "$st" -ne 0 ]; then
			[ "$st" -ge 64 ] && [ "$st" -le 78 ] ||
			    qp_fail "$what: qmail-pem $*: exit $st is not a sysexits.h code: $(cat "$QP_TMP/err")"
			lines=$(wc -l <"$QP_TMP/err")
			[ "$lines" -eq 1 ] && grep -q '^qmail-pem: ' "$QP_TMP/err" ||
			    qp_fail "$what: qmail-pem $*: want one line on stderr, got: $(cat "$QP_TMP/err")"
		fi
		;;
	esac
	qp_assert_eq "$outside_before" "$(outside_state)" \
	    "$what: qmail-pem $* (exit $st): the files outside DIR are unchanged"
	extra=$(comm -13 <(printf '%s\n' "$tmp_before") \
	    <(find "$QP_TMP" -maxdepth 1 -printf '%P\n' | sort) |
	    grep -v -e '^c\.[0-9]*$' -e '^out$' -e '^err$' || true)
	qp_assert_eq "" "$extra" "$what: nothing new beside DIR"
	if [ -d "$dir" ] && [ ! -L "$dir" ]; then
		after_links=$(links_in "$dir")
		# Links may go (replaced or removed), none may appear, but
		# for the backup of a symlink, recorded as the same symlink.
		extra=$(comm -13 <(printf '%s\n' "$before_links") \
		    <(printf '%s\n' "$after_links") | grep -v '^$' |
		    while read -r name type target; do
			[ "$type" = l ] &&
			    printf '%s\n' "$before_links" |
			    awk -v t="$target" '$2 == "l" && $3 == t { f = 1 } END { exit !f }' &&
			    continue
			echo "$name $type $target"
		    done)
		qp_assert_eq "" "$extra" "$what: no new link in DIR (a symlink's backup aside)"
	fi
	if [ "$st" -eq 0 ] && [ "$1" != verify ] && [ "$1" != tlsa ]; then
		target_state "$dir" ||
		    qp_fail "$what: qmail-pem $* exit 0 but the files are not in their target state"
		qp_ok "$what: qmail-pem $*: both files in their target state"
	fi
	HD_LAST_STATUS=$st
}

# every_command WHAT SETUP [writers]: for each command (or each writer), a
# fresh copy (with backups for rollback), SETUP run in it ($ctl), attempt.
every_command() {
	local what=$1 setup=$2 c
	local -a cmds=("${writers[@]}" "${readers[@]}")
	[ "${3:-}" != writers ] || cmds=("${writers[@]}")
	_th_group=$((_th_group + 1)) _th_idx=0
	for c in "${cmds[@]}"; do
		case $c in
		rollback*) new_dir backups ;;
		*) new_dir ;;
		esac
		eval "$setup"
		attempt "$what" "$ctl" "$c"
	done
}

# --- links at the key file names --------------------------------------------
every_command "servercert.pem -> outside shadow" \
    'rm "$ctl/servercert.pem"; ln -s "$out/shadow" "$ctl/servercert.pem"'
every_command "clientcert.pem -> outside shadow" \
    'rm "$ctl/clientcert.pem"; ln -s "$out/shadow" "$ctl/clientcert.pem"'
every_command "servercert.pem -> ../../outside/shadow (relative)" \
    'rm "$ctl/servercert.pem"; ln -s ../../outside/shadow "$ctl/servercert.pem"' writers
every_command "servercert.pem a hard link to an outside key file" \
    'rm "$ctl/servercert.pem"; ln "$out/keep.pem" "$ctl/servercert.pem"'
every_command "clientcert.pem a hard link to outside shadow" \
    'rm "$ctl/clientcert.pem"; ln "$out/shadow" "$ctl/clientcert.pem"'

# A writer that succeeds on the hard-linked key file kept its key but not
# the link: the outside file is still root:root 0600 with its bytes (checked
# by attempt), and servercert.pem is a file of its own.
new_dir
rm "$ctl/servercert.pem"
ln "$out/keep.pem" "$ctl/servercert.pem"
links=$(stat -c %h "$out/keep.pem")
attempt "repair of a hard link" "$ctl" install -q
qp_assert_eq 0 "$HD_LAST_STATUS" "install replaces a hard-linked servercert.pem"
qp_assert_file_perm "$ctl/servercert.pem" root:nofiles 0640
qp_assert_eq $((links - 1)) "$(stat -c %h "$out/keep.pem")" \
    "the outside file lost the link, not its bytes"

# --- links at the backup names (the next seconds) and the temp names -------
plant_backups() {	# PLANT: the names of the next 8 seconds
	local s f stamp now=$EPOCHSECONDS
	for s in 0 1 2 3 4 5 6 7; do
		TZ=UTC printf -v stamp '%(%Y%m%dT%H%M%SZ)T' $((now + s))
		for f in servercert.pem clientcert.pem; do
			"$@" "$ctl/$f.$stamp.bak"
			"$@" "$ctl/$f.$stamp.1.bak"
		done
	done
}
plant_sym() { ln -s "$out/shadow" "$1"; }
plant_hard() { ln "$out/shadow" "$1"; }
# (verify and tlsa open neither backups nor temps: writers only.)
every_command "symlinks at the backup names" 'plant_backups plant_sym' writers
every_command "hard links at the backup names" 'plant_backups plant_hard' writers

plant_temps() {
	local f i
	for f in servercert.pem clientcert.pem; do
		for i in 0 1 2 3; do
			"$@" "$ctl/.qmail-pem-tmp.$f.$(printf '%04x%04x%04x' \
			    $RANDOM $RANDOM $RANDOM)"
		done
	done
}
every_command "symlinks at temp names" 'plant_temps plant_sym' writers
every_command "hard links at temp names" 'plant_temps plant_hard' writers

# --- not a file ----------------------------------------------------------------
every_command "a FIFO at servercert.pem" \
    'rm "$ctl/servercert.pem"; mkfifo -m 0644 "$ctl/servercert.pem"'
every_command "a FIFO at clientcert.pem" \
    'rm "$ctl/clientcert.pem"; mkfifo -m 0644 "$ctl/clientcert.pem"'
every_command "a directory at servercert.pem" \
    'rm "$ctl/servercert.pem"; mkdir -m 0755 "$ctl/servercert.pem"'
every_command "a FIFO at control/me" \
    'rm "$ctl/me"; mkfifo -m 0644 "$ctl/me"'

# --- unsafe directories: every writer refuses, nothing changes -------------
# refuse_all WHAT SETUP UNDO: the writers exit 77 (EX_NOPERM) and leave DIR
# (and its parent) exactly as they were.
refuse_all() {
	local what=$1 setup=$2 undo=$3 c snap psnap
	_th_group=$((_th_group + 1)) _th_idx=0
	for c in "${writers[@]}"; do
		case $c in
		rollback*) new_dir backups ;;
		*) new_dir ;;
		esac
		eval "$setup"
		snap=$(qp_snapshot "$ctl")
		psnap=$(qp_snapshot "$QP_TMP/c.$n")
		attempt "$what" "$ctl" "$c"
		qp_assert_eq 77 "$HD_LAST_STATUS" "$what: qmail-pem $c refused (EX_NOPERM)"
		eval "$undo"
		qp_assert_same_snapshot "$psnap" "$QP_TMP/c.$n" "$what: $c changed nothing"
	done
}
refuse_all "group-writable DIR" 'chmod 0775 "$ctl"' :
refuse_all "group-writable parent" \
    'chown 0:$QP_GID_other "$QP_TMP/c.$n"; chmod 0775 "$QP_TMP/c.$n"' :
refuse_all "parent owned by another user" 'chown other "$QP_TMP/c.$n"' :
# DIR a symlink to a real control directory: refused, the real one unchanged.
for c in "${writers[@]}"; do
	case $c in
	rollback*) new_dir backups ;;
	*) new_dir ;;
	esac
	ln -s control "$QP_TMP/c.$n/link"
	snap=$(qp_snapshot "$ctl")
	attempt "DIR a symlink" "$QP_TMP/c.$n/link" "$c"
	qp_assert_eq 77 "$HD_LAST_STATUS" "DIR a symlink: qmail-pem $c refused"
	qp_assert_same_snapshot "$snap" "$ctl" "DIR a symlink: the directory it points to is unchanged"
done

qp_assert_eq "$outside_before" "$(outside_state)" "the outside files are as they were"
qp_done
