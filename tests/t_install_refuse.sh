# shellcheck shell=bash
# t_install_refuse.sh: the environment qmail-pem install must refuse (missing
# users and groups, unsafe or missing directory, no host name, bad command
# line, another writer): the exit status from sysexits.h, one line on stderr
# naming the file and the fix, and nothing changed.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/install_helpers.sh
. "$QP_SRCDIR/tests/install_helpers.sh"
qp_setup
qp_require flock

work="$QP_TMP/work"
mkdir -m 0700 "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.example.com \
    -keyout "$work/a.key" -out "$work/a.crt" 2>/dev/null
cat "$work/a.key" "$work/a.crt" >"$work/good.pem"

# --- users and groups: refused before anything is written ---------------------
ctl=$(qp_mkcontrol)
refuse 67 "servercert.pem" "--server-group" --server-group nosuch
qp_assert_contains "$QP_ERR" "group nosuch" "names the missing group"
refuse 67 "clientcert.pem" "--client-group" --client-group nosuch
qp_assert_contains "$QP_ERR" "group nosuch" "names the missing group"
refuse 67 "owner nosuch" "--owner" --owner nosuch
put servercert.pem "$work/good.pem"
refuse 67 "servercert.pem" "--server-group" --server-group nosuch

# --- the directory ------------------------------------------------------------------
ctl=$(qp_mkcontrol)
chmod 0775 "$ctl"
refuse 77 "unsafe directory $ctl: writable by its group" "chmod go-w $ctl"
chmod 0757 "$ctl"
refuse 77 "unsafe directory $ctl: writable by others" "chmod go-w $ctl"
chmod 0755 "$ctl"
chown other "$ctl"
refuse 77 "unsafe directory $ctl: owned by uid $QP_UID_other" "chown root $ctl"
chown root "$ctl"

mkdir -m 0755 "$QP_TMP/parent"
chown other:other "$QP_TMP/parent"
mkdir -m 0755 "$QP_TMP/parent/control"
printf 'mail.example.com\n' >"$QP_TMP/parent/control/me"
ctl="$QP_TMP/parent/control"
watch="$QP_TMP/parent"
refuse 77 "unsafe directory $QP_TMP/parent: owned by uid $QP_UID_other" \
    "chown root $QP_TMP/parent"
chmod 0775 "$QP_TMP/parent"
chown root:other "$QP_TMP/parent"
refuse 77 "unsafe directory $QP_TMP/parent: writable by its group" \
    "chmod go-w $QP_TMP/parent"

real=$(qp_mkcontrol)
ctl="$QP_TMP/link"
ln -s control "$ctl"
watch=$real
refuse 77 "control directory $ctl is a symlink" "-d $real"

mkdir -m 0755 "$QP_TMP/top"
watch="$QP_TMP/top"
ctl="$QP_TMP/top/nonexistent"
refuse 66 "control directory $ctl does not exist" "mkdir -m 755 $ctl"
ctl="$QP_TMP/top/afile"
: >"$ctl"
refuse 66 "$ctl is not a directory" "-d"
watch=

# --- the host name --------------------------------------------------------------
ctl=$(qp_mkcontrol)
rm "$ctl/me"
refuse 78 "$ctl/me does not exist" "--hostname"
printf '\n' >"$ctl/me"
refuse 78 "control/me is empty" "--hostname"
printf 'not a host name!\n' >"$ctl/me"
refuse 78 "'not a host name!'" "--hostname"
# Terminal escapes in control/me are shown as '?', never sent to the terminal.
printf 'mail\033]0;owned\007.example.com\n' >"$ctl/me"
refuse 78 "'mail?]0;owned?.example.com'" "--hostname"
case $QP_ERR in
*$'\033'* | *$'\007'*) qp_fail "control characters of control/me reach stderr" ;;
*) qp_ok "no control character of control/me on stderr" ;;
esac
mkfifo -m 0600 "$ctl/me.fifo"
rm "$ctl/me"
mv "$ctl/me.fifo" "$ctl/me"
refuse 65 "$ctl/me" "a FIFO"

# --- the command line -------------------------------------------------------------
ctl=$(qp_mkcontrol)
# usage_line STATUS SAYS ARGS...: the status, and one line that says what
# was wrong and where the options are described.
usage_line() {
	local status=$1 says=$2 before
	shift 2
	before=$(qp_snapshot "$ctl")
	qp_assert_status "$status" "$QMAIL_PEM" install -d "$ctl" "$@"
	qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "one line on stderr"
	qp_assert_contains "$QP_ERR" "$says" "it says: $says"
	qp_assert_contains "$QP_ERR" "see qmail-pem help install" "and where to read"
	qp_assert_same_snapshot "$before" "$ctl" "$ctl unchanged"
}
usage_line 64 "unknown key type 'rsa1024'" --key-type rsa1024
usage_line 64 "--days takes a whole number from 1 to 36500, not '0'" --days 0
usage_line 64 "--days takes a whole number" --days 10x
usage_line 64 "--san 'bad name' is not a valid DNS name" --san 'bad name'
usage_line 64 "--format takes text or json" --format xml
usage_line 64 "unexpected argument 'extra'" extra
usage_line 64 "--no-such-option is not an option of install" --no-such-option
usage_line 64 "--days is not an option of install, or it needs a value" --days
refuse 64 "--hostname 'bad name!'" "valid host name" --hostname 'bad name!'

# --- another writer holds the lock ---------------------------------------------------
ctl=$(qp_mkcontrol)
before=$(qp_snapshot "$ctl")
qp_assert_status 75 flock "$ctl" "$QMAIL_PEM" install -d "$ctl" --wait 0
qp_assert_contains "$QP_ERR" "$ctl: another qmail-pem is writing here" \
    "a held lock: the directory is named"
qp_assert_contains "$QP_ERR" "run again" "a held lock: what to do"
qp_assert_same_snapshot "$before" "$ctl" "a held lock: nothing written"
qp_assert_status 0 flock "$ctl" "$QMAIL_PEM" install -d "$ctl" --dry-run
qp_assert_contains "$QP_OUT" "would create" "--dry-run takes no lock"

qp_done
