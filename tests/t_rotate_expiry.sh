# shellcheck shell=bash disable=SC2015  # `a && b || fail` is meant
# t_rotate_expiry.sh: rotate --if-expires-within, the cron line: a
# certificate with 400 days left is not touched, one with 3 days left is
# replaced.
# valgrind: slow (under memcheck: a rotation at every step, EC keys (QP_FAST_KEY))
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
# shellcheck source=tests/rotate_lib.sh
. "$QP_SRCDIR/tests/rotate_lib.sh"
qp_setup
[ "${#QP_FAST_KEY[@]}" -eq 0 ] ||
    echo "# under valgrind: EC P-256 keys (QP_FAST_KEY in tests/lib.sh)"
qp_require python3 faketime

ctl=$(qp_mkcontrol mail.example.com)
srv="$ctl/servercert.pem"
cli="$ctl/clientcert.pem"

# --- 400 days left: nothing to do, nothing touched ------------------------------
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --days 400 \
    "${QP_FAST_KEY[@]}"
# notAfter is install's "now" + 400 days: one second later strictly less than
# 400 days are left, and whole days rounded down (verify's rule) say 399.
sleep 1
ids=$(stat -c '%n %i %.9Y %.9Z' "$srv" "$cli")
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30
qp_assert_contains "$QP_OUT" "nothing to do" "400 days left: nothing to do"
qp_assert_contains "$QP_OUT" "servercert.pem expires in 399 days" \
    "the message says how long the files have"
qp_assert_eq "" "$QP_ERR" "nothing on stderr"
after=$(stat -c '%n %i %.9Y %.9Z' "$srv" "$cli")
qp_assert_eq "$ids" "$after" "400 days left: same inodes, mtimes and ctimes"
qp_assert_same_snapshot "$before" "$ctl" "400 days left: directory byte-identical"

qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30 -q
qp_assert_eq "" "$QP_OUT$QP_ERR" "-q: the cron line prints nothing when nothing is due"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30 --format json
r=$(printf '%s' "$QP_OUT" | rt_json_changed)
qp_assert_eq "False [('servercert.pem', False), ('clientcert.pem', False)]" "$r" \
    "--format json: nothing to do is \"changed\": false"
qp_assert_contains "$QP_OUT" '"reason": "nothing to do' "JSON gives the reason"
qp_assert_same_snapshot "$before" "$ctl" "the JSON run touched nothing either"

# 400 days is within 500: rotated.
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 500 -q
qp_assert_eq "" "$QP_OUT" "-q: a rotation prints nothing on stdout"
after=$(stat -c '%i' "$srv")
[ "$after" != "$(printf '%s\n' "$ids" | awk 'NR == 1 { print $2 }')" ] ||
    qp_fail "--if-expires-within 500 did not replace servercert.pem"
qp_ok "--if-expires-within 500 replaces a certificate with 400 days left"

# --- 3 days left: replaced -------------------------------------------------------
ctl=$(qp_mkcontrol mail.example.com)
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --days 3 --distinct-keys \
    "${QP_FAST_KEY[@]}"
old_srv=$(qp_pubkey "$srv")
old_cli=$(qp_pubkey "$cli")
ino=$(stat -c '%i' "$srv")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30
qp_assert_contains "$QP_OUT" "servercert.pem: replace, new key, new certificate" \
    "3 days left: servercert.pem replaced"
rt_assert_installed "$ctl" "3 days left"
new_ino=$(stat -c '%i' "$srv")
[ "$new_ino" != "$ino" ] || qp_fail "servercert.pem has the same inode"
qp_ok "3 days left: servercert.pem is a new file"
new_srv=$(qp_pubkey "$srv")
new_cli=$(qp_pubkey "$cli")
[ "$new_srv" != "$old_srv" ] && [ "$new_cli" != "$old_cli" ] ||
    qp_fail "an old key survived the rotation"
qp_ok "3 days left: both keys are new"
[ "$new_srv" != "$new_cli" ] || qp_fail "distinct keys became one"
qp_ok "3 days left: distinct keys stay distinct"
na=$(openssl x509 -in "$srv" -noout -enddate)
na=$(date -d "${na#notAfter=}" +%s)
[ $((na - $(date +%s))) -gt $((364 * 86400)) ] ||
    qp_fail "the new certificate does not have 365 days"
qp_ok "the new certificate has the default 365 days"
before=$(qp_snapshot "$ctl")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30
qp_assert_contains "$QP_OUT" "nothing to do" "the next cron run has nothing to do"
qp_assert_same_snapshot "$before" "$ctl" "and touches nothing"

# --- the boundary: whole days, verify's rule -----------------------------------
# The renewed certificate has 365 days less a few seconds left: within 365
# days, not within 364.  Within the second it was made it still has 365.
sleep 1
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 364 --dry-run
qp_assert_contains "$QP_OUT" "nothing to do: servercert.pem expires in 364 days" \
    "364 days and almost a whole day more left: not within 364 days"
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 365 --dry-run
qp_assert_contains "$QP_OUT" "servercert.pem: would replace" \
    "less than 365 days left: within 365 days"

# --- a certificate that has aged: made 340 days ago for 365 days -----------------
# (faketime shifts openssl, which makes the fixture, never qmail-pem: an
# ASan-built binary deadlocks under libfaketime.)
ctl=$(qp_mkcontrol mail.example.com)
env -u LD_PRELOAD faketime -f -340d openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj /CN=mail.example.com \
    -addext basicConstraints=critical,CA:FALSE \
    -addext subjectAltName=DNS:mail.example.com \
    -addext extendedKeyUsage=serverAuth,clientAuth \
    -keyout "$QP_TMP/aged.key" -out "$QP_TMP/aged.crt" 2>/dev/null ||
    qp_fail "cannot make the aged certificate"
qp_assert_status 0 "$QMAIL_PEM" install -d "$ctl" --key "$QP_TMP/aged.key" \
    --cert "$QP_TMP/aged.crt"
old=$(qp_pubkey "$srv")
qp_assert_status 0 "$QMAIL_PEM" rotate -d "$ctl" --if-expires-within 30 -q
new=$(qp_pubkey "$srv")
[ "$new" != "$old" ] || qp_fail "a certificate with 25 days left was not rotated"
qp_ok "a certificate made 340 days ago for 365 days is rotated by the cron line"
rt_assert_installed "$ctl" "after rotating the aged certificate"

qp_done
