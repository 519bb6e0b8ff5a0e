#!/bin/bash
# qmail-pem verify: the layout install writes verifies OK in every format;
# the JSON fields are right; --output replaces its file atomically; usage
# errors and unreadable directories are UNKNOWN; a run as a user other than
# root says which checks it skipped; nothing in the control directory moves.
set -eu
. "$QP_SRCDIR/tests/lib.sh"
. "$QP_SRCDIR/tests/verify_lib.sh"
qp_setup
qp_require python3 promtool strace
vl_fresh

# install's layout: OK everywhere, exit 0.
vl_expect 0 servercert.pem exists OK
for check in regular-file link-count owner group mode parses \
    single-key garbage key-matches chain-order chain-duplicates chain-root \
    not-yet-valid expiry key-strength rsa-key signature-algorithm leaf-ca \
    eku hostname reader-can-read; do
	vl_expect_also servercert.pem "$check" OK
	vl_expect_also clientcert.pem "$check" OK
done
vl_expect_also servercert.pem shared-key INFO
vl_expect_also clientcert.pem shared-key INFO

before=$(qp_snapshot "$CTL")
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_eq 1 "$(printf '%s\n' "$QP_OUT" | wc -l)" "nagios: one line without -v"
qp_assert_contains "$QP_OUT" "QMAIL-PEM OK - servercert.pem: OK, expires in 36" \
    "nagios: OK summary"
qp_assert_contains "$QP_OUT" " | 'servercert_days'=36" "nagios: perfdata"
qp_assert_contains "$QP_OUT" ";30;7 'clientcert_days'=36" "nagios: both files"
qp_assert_eq "" "$QP_ERR" "nothing on stderr when all is well"
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "servercert.pem shared-key INFO: the same key as clientcert.pem" \
    "-v says the files share a key"

# JSON: the certificate fields agree with openssl.
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" --format json
cp "$QP_OUT_FILE" "$QP_TMP/v.json"
fpr=$(qp_cert_fpr "$CTL/servercert.pem")
pub=$(qp_pubkey "$CTL/servercert.pem")
serial=$(openssl x509 -in "$CTL/servercert.pem" -noout -serial)
enddate=$(openssl x509 -in "$CTL/servercert.pem" -noout -enddate)
end_epoch=$(date -u -d "${enddate#notAfter=}" +%s)
got=$("$VL_PYTHON" - "$QP_TMP/v.json" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	f = d["files"]["servercert.pem"]
	print(d["status"], d["exit"], d["hostname"], f["status"], f["subject"],
	      f["key_type"], f["key_bits"], ",".join(f["sans"]),
	      f["cert_sha256"], f["pubkey_sha256"], f["serial"],
	      f["not_after_epoch"], f["not_after"].endswith("Z"),
	      len(f["checks"]) > 15)
	EOF
)
want="OK 0 mail.example.com OK CN=mail.example.com RSA 2048 mail.example.com"
want="$want $(printf '%s' "${fpr//:/}" | tr A-F a-f) $pub ${serial#serial=}"
want="$want $end_epoch True True"
qp_assert_eq "$want" "$got" "json: status, subject, key, SANs, fingerprints, serial, not_after"

# Prometheus: the expiry as a timestamp, accepted by promtool.
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" --format prometheus
qp_assert_contains "$QP_OUT" \
    "qmail_pem_cert_not_after_seconds{file=\"servercert.pem\"} $end_epoch" \
    "prometheus: not_after in seconds"
qp_assert_contains "$QP_OUT" "qmail_pem_verify_timestamp_seconds " \
    "prometheus: timestamp"
printf '%s\n' "$QP_OUT" >"$QP_TMP/stdout.prom"
promtool check metrics <"$QP_TMP/stdout.prom" >/dev/null 2>&1 ||
    qp_fail "promtool check metrics"
qp_ok "promtool accepts the textfile"

# --output: temp file O_EXCL in the same directory, then rename; mode 0644;
# the same content as on stdout (but the timestamp).
mkdir -m 0755 "$QP_TMP/textfile"
out="$QP_TMP/textfile/qmail_pem.prom"
printf 'old\n' >"$out"
qp_assert_status 0 strace -f -qq -e trace=openat,rename,renameat,renameat2 \
    -o "$QP_TMP/strace.out" "$QMAIL_PEM" verify -d "$CTL" \
    --format prometheus --output "$out"
qp_assert_eq "" "$QP_OUT" "--output: nothing on stdout"
trace=$(cat "$QP_TMP/strace.out")
qp_assert_contains "$trace" '".qmail_pem.prom.' "--output: a temp file next to the target"
qp_assert_contains "$(grep 'qmail_pem.prom\.' "$QP_TMP/strace.out" | grep openat)" \
    "O_EXCL|O_NOFOLLOW" "--output: temp created O_EXCL|O_NOFOLLOW"
qp_assert_contains "$(grep rename "$QP_TMP/strace.out")" '"qmail_pem.prom"' \
    "--output: renamed into place"
qp_assert_eq "644" "$(stat -c %a "$out")" "--output: mode 0644 for the collector"
qp_assert_eq "$(grep -v '^qmail_pem_verify_timestamp_seconds ' "$QP_TMP/stdout.prom")" \
    "$(grep -v '^qmail_pem_verify_timestamp_seconds ' "$out")" \
    "--output: the same content as stdout"
qp_assert_eq "" "$(find "$QP_TMP/textfile" -name '*.tmp')" "--output: no temp file left"
qp_assert_same_snapshot "$before" "$CTL" "--output elsewhere leaves the control directory alone"

# A symlink at the output path is replaced, its target left alone.
printf 'precious\n' >"$QP_TMP/precious"
rm -f "$out"
ln -s "$QP_TMP/precious" "$out"
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" --format prometheus --output "$out"
qp_assert_eq "precious" "$(cat "$QP_TMP/precious")" "--output does not write through a symlink"
[ -f "$out" ] && [ ! -L "$out" ] || qp_fail "--output: not a regular file"
qp_ok "--output replaced the symlink by a file"
# --output naming a FIFO or a directory (or, as root, /dev/null): refused,
# UNKNOWN, the special file left as it is (a rename would replace it).
mkfifo -m 0644 "$QP_TMP/textfile/fifo"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --format prometheus \
    --output "$QP_TMP/textfile/fifo"
qp_assert_contains "$QP_ERR" "$QP_TMP/textfile/fifo is not a regular file" \
    "--output to a FIFO: refused, naming it"
[ -p "$QP_TMP/textfile/fifo" ] || qp_fail "--output replaced the FIFO"
qp_ok "--output to a FIFO: the FIFO is still there"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --output "$QP_TMP/textfile"
qp_assert_contains "$QP_ERR" "is not a regular file" "--output to a directory: refused"
rm "$QP_TMP/textfile/fifo"
# --output into a directory that does not exist: UNKNOWN, one line.
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --output "$QP_TMP/nodir/x.prom"
qp_assert_contains "$QP_ERR" "$QP_TMP/nodir" "the error names the directory"
# --output into the control directory (here over the key itself, through
# another spelling of the path): refused, UNKNOWN, nothing written.
before=$(qp_snapshot "$CTL")
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --format prometheus \
    --output "$CTL/../control/servercert.pem"
qp_assert_contains "$QP_ERR" "is in the control directory" \
    "--output in the control directory is refused"
qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "one line on stderr"
qp_assert_same_snapshot "$before" "$CTL" "--output into the control directory wrote nothing"

# distinct keys: OK, and -v says each file has its own key.
vl_fresh
"$QMAIL_PEM" install -q -d "$CTL" --distinct-keys --new-key >/dev/null
vl_expect 0 clientcert.pem shared-key INFO
qp_assert_status 0 "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "clientcert.pem shared-key INFO: a key of its own" \
    "-v: distinct keys"

# Usage errors and unusable directories are UNKNOWN (3).
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --format xml
qp_assert_contains "$QP_ERR" "--format takes nagios, json or prometheus" "bad --format"
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - --format takes nagios" \
    "a usage error has a status line for Nagios too"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --no-such-option
qp_assert_eq "QMAIL-PEM UNKNOWN - bad command line: see qmail-pem help verify" "$QP_OUT" \
    "an unknown option: UNKNOWN on the status line"
qp_assert_eq 1 "$(printf '%s\n' "$QP_ERR" | wc -l)" "and one line on stderr"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" -w soon
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" -w 5 -c 10
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" extra
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --hostname 'bad name'
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --server-group nosuchgroup
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - group nosuchgroup" \
    "an unknown group is UNKNOWN on the status line"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$CTL" --server-user nosuchuser
qp_assert_status 3 "$QMAIL_PEM" verify -d "$QP_TMP/nonexistent"
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - control directory $QP_TMP/nonexistent does not exist" \
    "missing directory: UNKNOWN"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$QP_TMP/nonexistent" --format json
"$VL_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]=="UNKNOWN" and d["exit"]==3 and "error" in d' \
    "$QP_OUT_FILE" || qp_fail "json for a missing directory"
qp_ok "json: UNKNOWN with the error"
qp_assert_status 3 "$QMAIL_PEM" verify -d "$QP_TMP/nonexistent" --format prometheus
qp_assert_contains "$QP_OUT" "qmail_pem_status 3" "prometheus: qmail_pem_status 3"
printf '%s\n' "$QP_OUT" | promtool check metrics >/dev/null 2>&1 ||
    qp_fail "promtool on the UNKNOWN textfile"
qp_ok "promtool accepts the UNKNOWN textfile"
qp_assert_status 0 "$QMAIL_PEM" help verify
qp_assert_contains "$QP_OUT" "--format F" "help verify"

# A control directory writable by its group is CRITICAL, not just UNKNOWN.
chmod 0775 "$CTL"
qp_assert_status 2 "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "QMAIL-PEM CRITICAL - unsafe directory $CTL" \
    "group-writable control directory"
chmod 0755 "$CTL"

# Not root: stat-based checks still run, the rest is SKIPPED with the
# reason, and the result is UNKNOWN because the key files cannot be read.
vl_fresh
before=$(qp_snapshot "$CTL")
as_other() {
	(cd / && exec setpriv --reuid="$QP_UID_other" --regid="$QP_GID_other" \
	    --clear-groups "$@")
}
qp_assert_status 3 as_other "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - " "not root: UNKNOWN"
qp_assert_contains "$QP_OUT" "servercert.pem reader-can-read SKIPPED: needs root to act as qmaild" \
    "not root: the read test is skipped, with the reason"
qp_assert_contains "$QP_OUT" "clientcert.pem reader-can-read SKIPPED: needs root to act as qmailr" \
    "not root: the same for qmailr"
qp_assert_contains "$QP_OUT" "servercert.pem owner OK" "not root: owner still checked"
qp_assert_contains "$QP_OUT" "servercert.pem mode OK" "not root: mode still checked"
qp_assert_contains "$QP_OUT" "servercert.pem parses UNKNOWN: cannot open" \
    "not root: the content is UNKNOWN, not OK"
qp_assert_contains "$QP_OUT" "servercert.pem expiry SKIPPED" "not root: expiry skipped"
qp_assert_status 3 as_other "$QMAIL_PEM" verify -d "$CTL" --format prometheus
qp_assert_contains "$QP_OUT" \
    'qmail_pem_check_status{file="servercert.pem",check="reader-can-read"} 4' \
    "prometheus: skipped is 4"
qp_assert_not_contains "$QP_OUT" \
    'qmail_pem_check_ok{file="servercert.pem",check="reader-can-read"}' \
    "prometheus: no check_ok for a skipped check"
# ... and a world-readable key is still found CRITICAL.
chmod 0644 "$CTL/servercert.pem"
before=$(qp_snapshot "$CTL")
qp_assert_status 2 as_other "$QMAIL_PEM" verify -d "$CTL" -v
qp_assert_contains "$QP_OUT" "servercert.pem mode CRITICAL" "not root: world-readable is CRITICAL"
qp_assert_same_snapshot "$before" "$CTL" "not root: nothing changed"
# A control directory the user cannot enter: UNKNOWN.
chmod 0644 "$CTL/servercert.pem"
chmod 0700 "$CTL"
qp_assert_status 3 as_other "$QMAIL_PEM" verify -d "$CTL"
qp_assert_contains "$QP_OUT" "QMAIL-PEM UNKNOWN - " "not root, unreadable directory: UNKNOWN"
chmod 0755 "$CTL"

qp_done
