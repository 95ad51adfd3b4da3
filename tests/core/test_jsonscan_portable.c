/* The JSON scanner's portable (non-SSE2) string code, run through the same tests:
 * this binary compiles its own copy of jsonscan.c with ST_JSONSCAN_PORTABLE, whose
 * definitions the linker takes before the library's. */
#define ST_JSONSCAN_PORTABLE 1
#include "../../src/core/jsonscan.c"

#include "test_jsonscan.c"
