/* fuzz.h - the libFuzzer entry points the targets define; the replay
 * driver (replay.c) calls the same functions on a checked-in corpus. */
#ifndef MAILCONFD_FUZZ_H
#define MAILCONFD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
