// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma end-to-end helper, run inside the L2 guest (static binary).
 *
 *   bitcount FILE FROM
 *
 * Prints how many bits of the bitmap in FILE (little-endian 64-bit words,
 * as /sys/kernel/pvnuma_guest/bitmap gives it) are set at bit FROM or
 * above.  Exit status 1 if FILE cannot be read, 2 on bad usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long long from, bit = 0, count = 0;
	uint64_t word;
	char *end;
	FILE *f;
	int i;

	if (argc != 3) {
		fputs("usage: bitcount FILE FROM\n", stderr);
		return 2;
	}
	from = strtoull(argv[2], &end, 0);
	if (!*argv[2] || *end) {
		fprintf(stderr, "bitcount: FROM is a number, not '%s'\n", argv[2]);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	for (; fread(&word, 8, 1, f) == 1; bit += 64)
		for (i = 0; i < 64; i++)
			count += bit + i >= from && (word >> i & 1);
	if (ferror(f)) {
		perror(argv[1]);
		return 1;
	}
	fclose(f);
	printf("%llu\n", count);
	return 0;
}
