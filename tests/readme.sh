# shellcheck shell=bash
# tests/readme.sh: the commands README.md shows, for the tests that run them.
#
# A fenced code block in README.md that a test runs is preceded by a marker
# line naming it (blank lines may come between):
#
#	<!-- test: install-deb -->
#	```sh
#	dpkg-buildpackage -us -uc -b
#	```
#
# Several blocks may carry the same name; they are one script, in order.
# Markers are HTML comments, so readers of the rendered README never see
# them.  Sourced after tests/lib.sh.

# qp_readme_block NAME [FILE]: print the code of the blocks marked NAME in
# FILE (default $QP_SRCDIR/README.md); fail if there is none, or a marker is
# not followed by a code block.
qp_readme_block() {
	local name=$1 file=${2:-$QP_SRCDIR/README.md} code
	code=$(awk -v name="$name" '
	    $0 == "<!-- test: " name " -->" { want = 1; found = 1; next }
	    want && !inblock && /^```/ { inblock = 1; next }
	    want && !inblock && NF { bad = 1; exit }
	    inblock && /^```/ { inblock = 0; want = 0; next }
	    inblock { print }
	    END { exit bad ? 2 : !found }' "$file") || {
		case $? in
		2) qp_fail "$file: the marker '<!-- test: $name -->' is not followed by a code block" ;;
		*) qp_fail "$file: no block marked '<!-- test: $name -->'" ;;
		esac
	}
	printf '%s\n' "$code"
}

# qp_readme_markers [FILE]: print the names of all markers, one a line.
qp_readme_markers() {
	sed -n 's/^<!-- test: \([a-z0-9-]*\) -->$/\1/p' \
	    "${1:-$QP_SRCDIR/README.md}" | sort -u
}

# qp_readme_run NAME [ARG...]: run the blocks marked NAME as one bash script,
# stopping at the first command that fails (set -e, pipefail), in the
# current directory; ARG... (e.g. qp_sandbox) are put before bash.
qp_readme_run() {
	local name=$1 code
	shift
	code=$(qp_readme_block "$name") || exit 1
	"$@" bash -euo pipefail -c "$code"
}
