/* main.c — rasgen: a scenario file in, a deterministic capture out.
 *
 *   rasgen [-o OUT] [--format pcap|pcapng] SCENARIO
 *
 * Exit status: 0 written; 1 the capture could not be built or written;
 * 2 usage error or an invalid scenario (every error as file:line:col).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasgen.h"

static void usage(FILE *out)
{
	fputs("usage: rasgen [-o OUT] [--format pcap|pcapng] SCENARIO\n"
	      "\n"
	      "Turns a scenario file (docs/rasgen.md) into a deterministic capture.\n"
	      "  -o, --output OUT     write the capture there ('-' or none: standard output)\n"
	      "  -f, --format FMT     pcap or pcapng; default: the scenario's 'format',\n"
	      "                       else pcapng if OUT ends in .pcapng, else pcap\n"
	      "  -h, --help           this text\n"
	      "  -V, --version        print the version\n",
	      out);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	enum rg_format fmt = RG_FMT_UNSET;
	struct rasflow_errlist errs;
	struct rg_frames fr;
	struct scn *s;
	char err[512];
	bool to_stdout;
	FILE *fp;
	int c;

	while ((c = getopt_long(argc, argv, "o:f:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "pcap") == 0) {
				fmt = RG_FMT_PCAP;
			} else if (strcmp(optarg, "pcapng") == 0) {
				fmt = RG_FMT_PCAPNG;
			} else {
				fprintf(stderr, "rasgen: unknown format '%s' (pcap, pcapng)\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rasgen %s\n", RASFLOW_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "rasgen: %s\n", optind == argc ? "no scenario file given" :
								 "only one scenario file, please");
		usage(stderr);
		return 2;
	}
	to_stdout = out == NULL || strcmp(out, "-") == 0;
	if (to_stdout && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "rasgen: not writing a capture to a terminal; use -o FILE\n");
		return 2;
	}

	memset(&errs, 0, sizeof(errs));
	s = rg_scn_load(argv[optind], &errs);
	if (s == NULL) {
		rasflow_err_print(&errs, stderr);
		return 2;
	}
	if (fmt == RG_FMT_UNSET)
		fmt = s->set.format;
	if (fmt == RG_FMT_UNSET)
		fmt = !to_stdout && ends_with(out, ".pcapng") ? RG_FMT_PCAPNG : RG_FMT_PCAP;

	if (rg_generate(s, &fr, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasgen: %s: %s\n", argv[optind], err);
		rg_scn_free(s);
		return 1;
	}
	fp = to_stdout ? stdout : fopen(out, "wb");
	if (fp == NULL) {
		perror(out);
		rg_frames_free(&fr);
		rg_scn_free(s);
		return 1;
	}
	c = rg_write(s, &fr, fmt, fp, err, sizeof(err));	/* closes fp */
	if (c < 0) {
		fprintf(stderr, "rasgen: %s: %s\n", to_stdout ? "<stdout>" : out, err);
		if (!to_stdout)
			remove(out);
	}
	rg_frames_free(&fr);
	rg_scn_free(s);
	return c < 0 ? 1 : 0;
}
