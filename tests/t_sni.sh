# shellcheck shell=bash disable=SC2015  # `a && b || fail` is meant
# t_sni.sh: SNI certificates, servercerts/NAME/servercert.pem (--sni NAME).
# install, rotate, rotate --stage/--commit and rollback of one SNI file
# keep servercert.pem's rules (root:nofiles 0640, backups, folders
# root:root 0755); after each, sni-smtpd (tests/standin_smtpd.c: picks
# control/servercerts/NAME/servercert.pem in its SNI callback, as sagredo's
# qmail-smtpd) run under tcpserver as qmaild:nofiles gives
# `openssl s_client -servername NAME` NAME's leaf, and the default leaf
# without SNI.  verify labels every SNI file servercerts/NAME/... in text,
# json, nagios and prometheus (promtool check metrics); bad NAMEs and an
# unsafe servercerts/ are refused with nothing changed; a refused install,
# csr --new-key, rotate or rollback --sni for a new NAME makes no folder,
# and one whose write fails (strace-injected EIO) takes back the folders
# it made; rotate
# --if-expires-within without --sni rotates the SNI file that is due and
# says so; on a host without group qmail, --sni NAME needs no group of
# clientcert.pem.  EC keys: the key type is not the point here.
# fixtures: realqmail
# labels: once
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/realqmail.sh
. "$QP_SRCDIR/tests/realqmail.sh"
qp_setup
rq_init
ctl=$(rq_mkroot mail.example.com)
QP=$QMAIL_PEM
name=www.example.org
sni="$ctl/servercerts/$name"
EC=(--key-type ec-p256)

# s_client's leaf, with and without -servername: SNI_LEAF, DEF_LEAF.
leaves() {
	local out="$QP_TMP/sclient.out"
	timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$port" \
	    -servername "$name" -showcerts </dev/null >"$out" 2>&1 || true
	SNI_LEAF=$(_qp_fpr_after 'Certificate chain' "$out") || SNI_LEAF=none
	timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$port" \
	    -noservername -showcerts </dev/null >"$out" 2>&1 || true
	DEF_LEAF=$(_qp_fpr_after 'Certificate chain' "$out") || DEF_LEAF=none
}

# after WHAT: the SNI file is root:nofiles 0640 and is what a client
# asking for NAME gets; the others get servercert.pem.
after() {
	qp_assert_file_perm "$sni/servercert.pem" root:nofiles 0640
	leaves
	qp_assert_eq "$(qp_cert_fpr "$sni/servercert.pem")" "$SNI_LEAF" \
	    "$1: -servername $name gets servercerts/$name/servercert.pem's leaf"
	qp_assert_eq "$(qp_cert_fpr "$ctl/servercert.pem")" "$DEF_LEAF" \
	    "$1: no SNI gets servercert.pem's leaf"
}

# The SNI-capable qmail-smtpd (sagredo's loads any key type) is the one in
# QMAILHOME/bin, where qmail-pem looks for it (issue 20); qmail-remote is
# the real one, which loads RSA keys only: clientcert.pem gets an RSA key.
rq_install_smtpd sni
qp_assert_status 0 "$QP" install -q -d "$ctl" --key-type rsa2048
rq_smtpd_start sni qmaild nofiles "$RQ_ROOT/bin/qmail-smtpd" "$RQ_ROOT"
port=$RQ_PORT

# --- install --sni ------------------------------------------------------
qp_assert_status 0 "$QP" install -d "$ctl" --sni "$name" "${EC[@]}"
qp_assert_contains "$(cat "$QP_OUT_FILE")" \
    "servercerts/$name/servercert.pem: create" "install names the SNI file"
qp_assert_eq "root:root 755" "$(stat -c '%U:%G %a' "$ctl/servercerts")" \
    "servercerts/ is root:root 0755"
qp_assert_eq "root:root 755" "$(stat -c '%U:%G %a' "$sni")" \
    "servercerts/$name is root:root 0755"
[ ! -e "$sni/clientcert.pem" ] && qp_ok "no clientcert.pem in the SNI folder" ||
    qp_fail "install --sni wrote a clientcert.pem"
openssl x509 -in "$sni/servercert.pem" -noout -checkhost "$name" | grep -q 'does match' &&
    qp_ok "the new certificate covers $name" || qp_fail "no $name in the certificate"
after "install"
qp_assert_status 0 "$QP" install -d "$ctl" --sni "$name"
qp_assert_contains "$(cat "$QP_OUT_FILE")" unchanged "a second install changes nothing"

# --- rotate, stage/commit, rollback -------------------------------------
old=$(qp_cert_fpr "$sni/servercert.pem")
qp_assert_status 0 "$QP" rotate -d "$ctl" --sni "$name"
[ "$(qp_cert_fpr "$sni/servercert.pem")" != "$old" ] && qp_ok "rotate --sni replaced it" ||
    qp_fail "rotate --sni left the certificate"
ls "$sni"/servercert.pem.*.bak >/dev/null && qp_ok "rotate kept a backup in the SNI folder" ||
    qp_fail "no backup"
after "rotate"
qp_assert_status 0 "$QP" rotate -d "$ctl" --sni "$name" --stage
qp_assert_file_perm "$sni/servercert.pem.next" root:nofiles 0640
qp_assert_contains "$(cat "$QP_OUT_FILE")" "_25._tcp.$name. IN TLSA 3 1 1" "stage prints NAME's record"
after "stage"
staged=$(qp_cert_fpr "$sni/servercert.pem.next")
qp_assert_status 0 "$QP" rotate -d "$ctl" --sni "$name" --commit
qp_assert_eq "$staged" "$(qp_cert_fpr "$sni/servercert.pem")" "commit put the staged file in place"
after "commit"
# The key the commit replaced has no TLSA record any more (issue 19):
# refused, nothing changed, with NAME's record and the command.
qp_assert_status 78 "$QP" rollback -d "$ctl" --sni "$name"
qp_assert_contains "$QP_ERR" "_25._tcp.$name. IN TLSA 3 1 1" "rollback after commit: NAME's record"
qp_assert_contains "$QP_ERR" "--sni $name --allow-tlsa-change" "rollback after commit: the command"
qp_assert_eq "$staged" "$(qp_cert_fpr "$sni/servercert.pem")" "refused rollback: nothing changed"
qp_assert_status 0 "$QP" rollback -d "$ctl" --sni "$name" --allow-tlsa-change
[ "$(qp_cert_fpr "$sni/servercert.pem")" != "$staged" ] && qp_ok "rollback brought the old one back" ||
    qp_fail "rollback changed nothing"
after "rollback"
qp_assert_status 0 "$QP" tlsa -d "$ctl" --sni "$name"
qp_assert_contains "$(cat "$QP_OUT_FILE")" "_25._tcp.$name." "tlsa --sni: NAME's record"

# --- imports must cover NAME --------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=other.example.net -addext subjectAltName=DNS:other.example.net \
    -keyout "$QP_TMP/o.key" -out "$QP_TMP/o.crt" 2>/dev/null
before=$(qp_snapshot "$ctl")
qp_assert_status 65 "$QP" install -d "$ctl" --sni "$name" --key "$QP_TMP/o.key" \
    --cert "$QP_TMP/o.crt" --force
qp_assert_contains "$(cat "$QP_ERR_FILE")" "does not cover $name" "an import for another name is refused"
qp_assert_same_snapshot "$before" "$ctl" "nothing changed by the refused import"

# --- bad NAMEs: refused before any path is made -------------------------
for bad in ../x a/b .. "" "*.example.org" Upper.example.org "$(printf 'a%.0s' $(seq 254))"; do
	qp_assert_status 64 "$QP" install -d "$ctl" --sni "$bad"
	qp_assert_contains "$(cat "$QP_ERR_FILE")" "is not a host name" "--sni '${bad:0:20}' refused"
done
qp_assert_same_snapshot "$before" "$ctl" "nothing changed by bad names"

# --- a refusal makes no folder ------------------------------------------
# install --sni made servercerts/NAME (and servercerts/) before its
# checks, and a refusal left them; rotate and rollback need the file in
# it, so they never make one.
new=new.example.org
qp_assert_status 67 "$QP" install -d "$ctl" --sni "$new" --server-group nosuchgroup "${EC[@]}"
qp_assert_status 65 "$QP" install -d "$ctl" --sni "$new" --key "$QP_TMP/o.key" \
    --cert "$QP_TMP/o.crt"
qp_assert_contains "$(cat "$QP_ERR_FILE")" "does not cover $new" "install --sni: a refused import"
qp_assert_status 66 "$QP" rotate -d "$ctl" --sni "$new"
qp_assert_contains "$(cat "$QP_ERR_FILE")" "there is no SNI certificate for $new" "rotate --sni: NAME missing"
qp_assert_status 66 "$QP" rollback -d "$ctl" --sni "$new"
qp_assert_status 64 "$QP" csr -d "$ctl" --sni "$new" --new-key "${EC[@]}" --subject /CN=other.example.com
qp_assert_contains "$(cat "$QP_ERR_FILE")" "--subject has CN=other.example.com" "csr --sni --new-key: refused"
qp_assert_same_snapshot "$before" "$ctl" "no servercerts/$new left by the refusals"
bare=$(qp_mkcontrol)
qp_assert_status 67 "$QP" install -d "$bare" --sni "$new" --server-group nosuchgroup "${EC[@]}"
[ ! -e "$bare/servercerts" ] && qp_ok "no servercerts/ left by a refusal" ||
    qp_fail "a refused install --sni left $(find "$bare/servercerts")"
# The folders are made once every check has passed; when the write then
# fails (the new file's owner cannot be set: the third fchown, after
# the two folders'), they are taken back.
qp_assert_status 74 strace -o /dev/null -e trace=fchown \
    -e inject=fchown:error=EIO:when=3 "$QP" install -d "$bare" --sni "$new" "${EC[@]}"
qp_assert_contains "$(cat "$QP_ERR_FILE")" "cannot set the owner of the new file: Input/output error" \
    "install --sni: the failed write is said"
[ ! -e "$bare/servercerts" ] && qp_ok "no servercerts/ left by a failed write" ||
    qp_fail "a failed install --sni left $(find "$bare/servercerts")"
# csr --new-key for a new NAME makes the folders to hold its pending key.
qp_assert_status 0 "$QP" csr -d "$bare" --sni "$new" --new-key "${EC[@]}" --output "$QP_TMP/new.csr"
qp_assert_eq "root:root 755" "$(stat -c '%U:%G %a' "$bare/servercerts/$new")" \
    "csr --sni --new-key: servercerts/$new is root:root 0755"
qp_assert_file_perm "$bare/servercerts/$new/servercert.pem.pending-key" root:root 0600

# --- verify: labels in every format -------------------------------------
# (EC keys, read by a qmail-smtpd that loads any key type: all OK)
qp_assert_status 0 "$QP" verify -d "$ctl"
qp_assert_contains "$(cat "$QP_OUT_FILE")" "'servercerts/$name/servercert_days'=36" "nagios: the SNI file's perfdata"
qp_assert_status 0 "$QP" verify -d "$ctl" --sni "$name" -v
qp_assert_contains "$(cat "$QP_OUT_FILE")" "servercerts/$name/servercert.pem hostname" "nagios -v: hostname check of NAME"
qp_assert_status 0 "$QP" verify -d "$ctl" --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["files"]; assert sys.argv[2] in f, list(f); assert "servercert.pem" in f' \
    "$QP_OUT_FILE" "servercerts/$name/servercert.pem" && qp_ok "json: a file servercerts/$name/servercert.pem" ||
    qp_fail "json: no SNI file"
qp_assert_status 0 "$QP" verify -d "$ctl" --format prometheus
qp_assert_contains "$(cat "$QP_OUT_FILE")" "file=\"servercerts/$name/servercert.pem\"" "prometheus: the file label"
promtool check metrics <"$QP_OUT_FILE" >"$QP_TMP/promtool.out" 2>&1 && qp_ok "promtool check metrics" ||
    { cat "$QP_TMP/promtool.out" >&2; qp_fail "promtool check metrics"; }

# a certificate that does not cover NAME is CRITICAL
mkdir -m 0755 "$ctl/servercerts/b.example.org"
cat "$QP_TMP/o.key" "$QP_TMP/o.crt" >"$ctl/servercerts/b.example.org/servercert.pem"
chown 0:nofiles "$ctl/servercerts/b.example.org/servercert.pem" 2>/dev/null ||
    chown 0:"$(qp_gid nofiles)" "$ctl/servercerts/b.example.org/servercert.pem"
chmod 0640 "$ctl/servercerts/b.example.org/servercert.pem"
qp_assert_status 2 "$QP" verify -d "$ctl"
qp_assert_contains "$(cat "$QP_OUT_FILE")" "servercerts/b.example.org/servercert.pem: hostname" \
    "verify: an SNI certificate not covering NAME is CRITICAL"
rm -rf "$ctl/servercerts/b.example.org"

# --- rotate --if-expires-within without --sni ---------------------------
qp_assert_status 0 "$QP" install -q -d "$ctl" --sni soon.example.org --days 2 "${EC[@]}"
soon=$(qp_cert_fpr "$ctl/servercerts/soon.example.org/servercert.pem")
keep=$(qp_cert_fpr "$sni/servercert.pem")
qp_assert_status 0 "$QP" rotate -d "$ctl" --if-expires-within 10
qp_assert_contains "$(cat "$QP_OUT_FILE")" "servercerts/soon.example.org/servercert.pem: replace" \
    "rotate --if-expires-within says which SNI file it rotated"
[ "$(qp_cert_fpr "$ctl/servercerts/soon.example.org/servercert.pem")" != "$soon" ] &&
    qp_ok "the SNI file due was rotated" || qp_fail "the SNI file due was not rotated"
qp_assert_eq "$keep" "$(qp_cert_fpr "$sni/servercert.pem")" "the SNI file not due was left"

# --- --sni decides nothing of clientcert.pem ---------------------------
# A host whose qmail-remote runs in group mail and that has no group qmail
# (bench/verify.sh installs SNI files so): install --sni NAME with only
# --server-group must not look for clientcert.pem's group (it said "group
# qmail does not exist", 67); nor rotate, rollback, verify --sni.
sed 's/^qmail:/mail:/' "$QP_TMP/nss/group" >"$QP_TMP/nss/group.mail"
chmod 0644 "$QP_TMP/nss/group.mail"
mailhost=(env NSS_WRAPPER_GROUP="$QP_TMP/nss/group.mail")
ctl2=$(qp_mkcontrol)
other=a.example.com
qp_assert_status 0 "${mailhost[@]}" "$QP" install -q -d "$ctl2" \
    --server-group nofiles --client-group mail "${EC[@]}"
qp_assert_status 0 "${mailhost[@]}" "$QP" install -q -d "$ctl2" \
    --sni "$other" --server-group nofiles "${EC[@]}"
qp_assert_file_perm "$ctl2/servercerts/$other/servercert.pem" root:nofiles 0640
[ ! -e "$ctl2/servercerts/$other/clientcert.pem" ] &&
    qp_ok "no group qmail: install --sni wrote servercert.pem alone" ||
    qp_fail "install --sni wrote a clientcert.pem"
qp_assert_status 0 "${mailhost[@]}" "$QP" rotate -q -d "$ctl2" --sni "$other" \
    --server-group nofiles
qp_assert_status 0 "${mailhost[@]}" "$QP" rollback -q -d "$ctl2" --sni "$other" \
    --server-group nofiles
qp_assert_status 1 "${mailhost[@]}" "$QP" verify -d "$ctl2" --sni "$other"
qp_assert_contains "$(cat "$QP_OUT_FILE")" "QMAIL-PEM WARNING - servercerts/$other/servercert.pem: rsa-key:" \
    "verify --sni: the SNI file checked (EC key: WARNING), no group qmail needed"
qp_assert_file_perm "$ctl2/servercerts/$other/servercert.pem" root:nofiles 0640

# --- an unsafe servercerts/ ---------------------------------------------
chmod 0775 "$ctl/servercerts"
before=$(qp_snapshot "$ctl")
qp_assert_status 77 "$QP" install -d "$ctl" --sni new.example.org
qp_assert_contains "$(cat "$QP_ERR_FILE")" "unsafe directory $ctl/servercerts" "install: unsafe servercerts/ refused"
qp_assert_same_snapshot "$before" "$ctl" "nothing changed by the refusal"
qp_assert_status 2 "$QP" verify -d "$ctl"
qp_assert_contains "$(cat "$QP_OUT_FILE")" "servercerts: sni-folder: unsafe directory" "verify: unsafe servercerts/ is CRITICAL"
chmod 0755 "$ctl/servercerts"
mv "$sni" "$QP_TMP/real-sni" && ln -s "$QP_TMP/real-sni" "$sni"
before=$(qp_snapshot "$ctl")
qp_assert_status 77 "$QP" rotate -d "$ctl" --sni "$name"
qp_assert_contains "$(cat "$QP_ERR_FILE")" "is a symlink" "a symlinked SNI folder is refused"
qp_assert_same_snapshot "$before" "$ctl" "nothing changed by the refusal"
qp_done
