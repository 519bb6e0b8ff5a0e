# shellcheck shell=bash
# labels: once
# t_layout.sh: the layout of src/ that src/README.md describes, measured by
# tests/layout.py:
#
#   - every #include "..." names a header of the file's own folder or of a
#     folder below it, in the order of the layer list in src/README.md
#     (perms.c is fs/, x509gen.c is x509/, qmail-pem.c the top);
#   - no include circle between files, none between modules (a .c and
#     its .h);
#   - calls point down too, and no two modules call each other, directly or
#     round a circle (nm of the qpcore objects of this build);
#   - no .c file over 600 lines, no function over 80 lines.
#
# Then layout.py itself, on a copy of src/ with one violation of each kind
# put in (and objects compiled from it), so that a checker that passes
# anything fails here.
#
# Labelled once: it reads sources and objects; how qmail-pem runs
# (valgrind, ASan) has no part in it.
set -eu
# shellcheck source=tests/lib.sh
. "$QP_SRCDIR/tests/lib.sh"
qp_setup
qp_require python3 nm cc

layout="$QP_SRCDIR/tests/layout.py"
objdir="$QP_BUILDDIR/CMakeFiles/qpcore.dir"
[ -d "$objdir" ] || qp_fail "no qpcore objects in $objdir"

# --- src/ as it is -----------------------------------------------------------
qp_assert_status 0 python3 "$layout" "$QP_SRCDIR/src" "$objdir"
qp_assert_eq "" "$QP_OUT" "src/: includes and calls point down, no circle, no file or function too long"
n=$(find "$QP_SRCDIR/src" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$n" -ge 3 ] || qp_fail "src/ has $n folders, fewer than 3"
qp_ok "src/ has $n folders"
for f in qmail-pem.c perms.c x509gen.c; do
	[ -f "$QP_SRCDIR/src/$f" ] || qp_fail "src/$f is not in place"
done
qp_ok "src/qmail-pem.c, src/perms.c and src/x509gen.c in place"

# --- a copy with one violation of each kind ----------------------------------
copy="$QP_TMP/src"
cp -R "$QP_SRCDIR/src" "$copy"
printf '#include "cmd/opts.h"\n' >>"$copy/base/text.c"	# upwards
printf '#include "base/qq2.h"\n' >"$copy/base/qq1.h"	# a circle
printf '#include "base/qq1.h"\n' >"$copy/base/qq2.h"
mkdir "$copy/extra"
printf 'int extra;\n' >"$copy/extra/extra.c"		# not a layer
{
	printf 'int\nlong_one(void)\n{\n\tint i = 0;\n\n'
	for _ in $(seq 79); do printf '\ti++;\n'; done
	printf '\treturn i;\n}\n'
	for _ in $(seq 519); do printf '/* filler */\n'; done
} >"$copy/base/qqbig.c"					# 605 lines, an 85-line function
# Calls: qqa and qqb call each other, qqc (base/) calls cmd/.
mkdir "$QP_TMP/obj"
printf 'void qqb(void);\nvoid qqa(void) { qqb(); }\n' >"$copy/base/qqa.c"
printf 'void qqa(void);\nvoid qqb(void) { qqa(); }\n' >"$copy/base/qqb.c"
printf 'void qqd(void);\nvoid qqc(void) { qqd(); }\n' >"$copy/base/qqc.c"
printf 'void qqd(void) { }\n' >"$copy/cmd/qqd.c"
mkdir "$QP_TMP/obj/base" "$QP_TMP/obj/cmd"
for m in base/qqa base/qqb base/qqc cmd/qqd; do
	cc -c -o "$QP_TMP/obj/$m.c.o" "$copy/$m.c" ||
	    qp_fail "cannot compile $m.c"
done

qp_assert_status 1 python3 "$layout" "$copy" "$QP_TMP/obj"
qp_assert_contains "$QP_OUT" \
    'base/text.c:' "an include upwards is found"
qp_assert_contains "$QP_OUT" \
    '#include "cmd/opts.h" points up: cmd is above base' "and named"
qp_assert_contains "$QP_OUT" \
    'include circle between files: base/qq1.h, base/qq2.h' "an include circle"
qp_assert_contains "$QP_OUT" \
    'extra/extra.c: its folder is not a layer in src/README.md' \
    "a folder that is not a layer"
qp_assert_contains "$QP_OUT" \
    'base/qqbig.c: 605 lines, more than 600' "a file over 600 lines"
qp_assert_contains "$QP_OUT" \
    'base/qqbig.c:2: long_one() is 85 lines, more than 80' \
    "a function over 80 lines"
qp_assert_contains "$QP_OUT" \
    'call circle between modules: base/qqa, base/qqb' "a call circle"
qp_assert_contains "$QP_OUT" \
    'base/qqc.c calls cmd/qqd.c: cmd is above base' "a call upwards"

qp_done
