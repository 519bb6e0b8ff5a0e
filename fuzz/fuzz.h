/*
 * fuzz.h: what every fuzz target in fuzz/ shares.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput() for one parser of
 * untrusted input.  Built with clang -fsanitize=fuzzer it is a libFuzzer
 * binary (fuzz/run.sh); built with driver.c it replays the seed corpus and
 * the regressions as a CTest test in every build.
 */
#ifndef QP_FUZZ_H
#define QP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Before each input: quiet diagnostics (a target prints nothing), a fixed
 * user database (no NSS look-ups), once. */
void fuzz_begin(void);
/* After each input: forget OpenSSL's errors, so that nothing carries over
 * to the next input (each target's struct err is its own). */
void fuzz_end(void);

/* The password the encrypted seeds were made with. */
#define FUZZ_PASSWORD	"fuzz"

/* A fixed "now" (2026-01-01T00:00:00Z), so that a run does not depend on
 * the day it runs. */
#define FUZZ_NOW	1767225600

#endif
