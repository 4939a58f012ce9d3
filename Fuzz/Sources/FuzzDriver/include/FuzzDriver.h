#ifndef GRADLAB_FUZZ_DRIVER_H
#define GRADLAB_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that keep their own `main`
/// (SwiftPM links executables with `main` aliased to `<module>_main`, so the
/// fuzz targets call this instead of relying on libFuzzer's `main`).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
