/* cmd_rules.c — `rasflow rules`: show or check a port matrix.
 *
 * Loads the built-in matrix or a --rules file and prints it as text, JSON
 * or Markdown, or with --check only validates it. Exit status: 0 ok, 2 usage
 * error or invalid rules (every error on stderr as file:line:col: msg).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "rasflow/cli.h"
#include "rasflow/rules.h"
#include "rasflow/rules_emit.h"

static void usage(FILE *out)
{
	fputs("usage: rasflow rules [--rules FILE] [--format text|json|md] [-o FILE]\n"
	      "       rasflow rules [--rules FILE] --check [FILE]\n"
	      "\n"
	      "Print the RAS port matrix (the built-in one unless --rules is given).\n"
	      "  --rules FILE     read the matrix from FILE\n"
	      "  --format FMT     text (default), json or md\n"
	      "  -o, --output F   write to F instead of standard output\n"
	      "  --check [FILE]   only validate FILE (or the --rules file, or the built-in)\n"
	      "                   and print \"FILE: ok, N rules, M roles\"\n"
	      "  -h, --help       this help\n",
	      out);
}

int rasflow_cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rules_path = NULL, *format = "text", *output = NULL, *name;
	struct rasflow_errlist errs = { 0 };
	struct rasflow_ruleset *rs;
	bool check = false;
	FILE *out = stdout;
	int c, rc;

	optind = 0;	/* GNU getopt: full re-initialisation, argv[0] is the command */
	opterr = 0;	/* the messages below name "rasflow rules" */
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules_path = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return RASFLOW_EXIT_OK;
		default:
			fprintf(stderr, "rasflow rules: bad option or missing argument: '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return RASFLOW_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		if (!check || optind + 1 < argc) {
			fprintf(stderr, "rasflow rules: unexpected argument '%s'\n", argv[optind]);
			usage(stderr);
			return RASFLOW_EXIT_ERROR;
		}
		rules_path = argv[optind];
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "md") != 0) {
		fprintf(stderr, "rasflow rules: unknown format '%s' (text, json or md)\n", format);
		usage(stderr);
		return RASFLOW_EXIT_ERROR;
	}

	rs = rules_path ? rasflow_rules_load(rules_path, &errs) : rasflow_rules_builtin(&errs);
	name = rules_path ? rules_path : "<built-in>";
	if (rs == NULL) {
		rasflow_err_print(&errs, stderr);
		return RASFLOW_EXIT_ERROR;
	}
	if (check) {
		printf("%s: ok, %zu rules, %zu roles\n", name, rs->nrules, rs->nroles);
		rasflow_rules_free(rs);
		return RASFLOW_EXIT_OK;
	}
	if (output != NULL && strcmp(output, "-") != 0) {
		out = fopen(output, "w");
		if (out == NULL) {
			fprintf(stderr, "%s: cannot open for writing: %s\n", output, strerror(errno));
			rasflow_rules_free(rs);
			return RASFLOW_EXIT_ERROR;
		}
	}
	if (strcmp(format, "json") == 0)
		rc = rasflow_rules_emit_json(rs, out);
	else if (strcmp(format, "md") == 0)
		rc = rasflow_rules_emit_md(rs, out);
	else
		rc = rasflow_rules_emit_text(rs, out);
	if (out == stdout) {
		if (fflush(out) != 0 && rc == 0)
			rc = RASFLOW_EIO;
	} else if (fclose(out) != 0 && rc == 0) {
		rc = RASFLOW_EIO;
	}
	rasflow_rules_free(rs);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", output ? output : "<stdout>",
			rc == RASFLOW_ENOMEM ? "out of memory" : "write error");
		return RASFLOW_EXIT_ERROR;
	}
	return RASFLOW_EXIT_OK;
}
