/* onefile.c — run a libFuzzer target over saved inputs, without libFuzzer.
 *
 * Each argument is a corpus directory (every regular file in it, in name
 * order) or a single file. Each input is handed to LLVMFuzzerTestOneInput
 * once, so the corpus replays as an ordinary meson test with any compiler,
 * and under ASan/UBSan in CI. A crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read a whole file into a malloc'd buffer of exactly its size, so ASan sees
 * any read past the end. Returns 0, or -1 with a message printed. */
static int slurp(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		uint8_t chunk[4096];
		size_t got = fread(chunk, 1, sizeof(chunk), f);
		uint8_t *nb;

		if (got == 0)
			break;
		if (n + got > cap) {
			cap = (n + got) * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				goto out;
			}
			buf = nb;
		}
		memcpy(buf + n, chunk, got);
		n += got;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		goto out;
	}
	/* exact-size copy: a read one byte past the input must be caught */
	*out = malloc(n ? n : 1);
	if (!*out) {
		fprintf(stderr, "%s: out of memory\n", path);
		goto out;
	}
	if (n)
		memcpy(*out, buf, n);
	*len = n;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

/* Run the target on one file. */
static int run_file(const char *path)
{
	uint8_t *data;
	size_t len;

	if (slurp(path, &data, &len) < 0)
		return -1;
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

/* Skip dot files (README, editor droppings) but keep every corpus entry. */
static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Run the target on every regular file of a directory; returns the count or -1. */
static long run_dir(const char *dir)
{
	struct dirent **ents;
	long count = 0;
	int n, i, failed = 0;

	n = scandir(dir, &ents, visible, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t plen = strlen(dir) + strlen(ents[i]->d_name) + 2;
		char *path = malloc(plen);
		struct stat sb;

		if (!path) {
			failed = 1;
		} else {
			snprintf(path, plen, "%s/%s", dir, ents[i]->d_name);
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
				if (run_file(path) < 0)
					failed = 1;
				else
					count++;
			}
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	return failed ? -1 : count;
}

int main(int argc, char **argv)
{
	long total = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat sb;
		long n;

		if (stat(argv[i], &sb) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(sb.st_mode)) {
			n = run_dir(argv[i]);
		} else {
			n = run_file(argv[i]) < 0 ? -1 : 1;
		}
		if (n < 0)
			return 1;
		total += n;
	}
	/* an empty corpus would make the test pass without testing anything */
	if (total == 0) {
		fprintf(stderr, "no inputs found\n");
		return 1;
	}
	printf("%ld inputs replayed\n", total);
	return 0;
}
