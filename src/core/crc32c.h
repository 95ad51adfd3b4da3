/* CRC-32C (Castagnoli, the iSCSI/ext4 polynomial 0x1EDC6F41, reflected 0x82F63B78): the
 * queue's record checksum. On x86-64 with SSE4.2 (checked once, at run time) the CPU's
 * crc32 instruction computes it 8 bytes per instruction; elsewhere a slicing-by-8 table
 * does. Both give the same value for every input (tests/core/test_crc32c.c). */
#ifndef ST_CRC32C_H
#define ST_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Extend crc (0 for a new checksum) by buf[0..len); chainable like zlib's crc32():
 * st_crc32c(st_crc32c(0, a, n), b, m) == st_crc32c(0, a‖b, n + m). */
uint32_t st_crc32c(uint32_t crc, const void *buf, size_t len);

/* The two implementations, for the tests. st_crc32c_hw may only be called when
 * st_crc32c_hw_available() is true. */
uint32_t st_crc32c_portable(uint32_t crc, const void *buf, size_t len);
uint32_t st_crc32c_hw(uint32_t crc, const void *buf, size_t len);
bool st_crc32c_hw_available(void);

#endif
