// Nothing to compile: the header declares libFuzzer's LLVMFuzzerRunDriver,
// which `-sanitize=fuzzer` links in.
#include "FuzzDriver.h"
