# shellcheck shell=bash
# install_helpers.sh: helpers shared by the t_install_*.sh tests (sourced
# after tests/lib.sh and qp_setup; they use $ctl, the control directory).

# put NAME CONTENT-FILE: a control file with the right owner and mode, so
# that only its content is wrong.
put() {
	cp "$2" "$ctl/$1"
	if [ "$1" = clientcert.pem ]; then
		chown root:qmail "$ctl/$1"
	else
		chown root:nofiles "$ctl/$1"
	fi
	chmod 0640 "$ctl/$1"
}

# refuse STATUS NAMED SAYS [INSTALL-ARGS...]: run install -d "$ctl" and
# assert the status, one line on stderr naming NAMED and saying SAYS, and
# every directory in $watch (default: $ctl) byte-identical afterwards.
refuse() {
	local status=$1 named=$2 says=$3 lines d i=0
	local -a dirs before
	shift 3
	read -r -a dirs <<<"${watch:-$ctl}"
	for d in "${dirs[@]}"; do
		before[i]=$(qp_snapshot "$d")
		i=$((i + 1))
	done
	QP_CMD_TIMEOUT=20 qp_assert_status "$status" \
	    "$QMAIL_PEM" install -d "$ctl" "$@"
	lines=$(printf '%s\n' "$QP_ERR" | wc -l)
	[ -n "$QP_ERR" ] && [ "$lines" -eq 1 ] ||
	    qp_fail "want one line on stderr, got $lines: $QP_ERR"
	qp_assert_contains "$QP_ERR" "qmail-pem: " "one line: $QP_ERR"
	qp_assert_contains "$QP_ERR" "$named" "the message names $named"
	qp_assert_contains "$QP_ERR" "$says" "the message says what to do: $says"
	qp_assert_eq "" "$QP_OUT" "nothing on stdout"
	i=0
	for d in "${dirs[@]}"; do
		qp_assert_same_snapshot "${before[i]}" "$d" "$d unchanged"
		i=$((i + 1))
	done
}
watch=
