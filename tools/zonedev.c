// SPDX-License-Identifier: GPL-2.0-only
/*
 * The zonedev command: `zonedev run` (the default workload), `zonedev bench
 * NAME`, `zonedev --help`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "zonedev-tool.h"

static const struct bench benches[] = {
	{ "refcount", "folio_put() of a RAM page under each scheme / bare atomic_dec_and_test", bench_refcount },
	{ "memremap", "memremap_pages() of 128 GiB at vmemmap_shift 0, 9, 18: time and resident memmap", bench_memremap },
	{ "fault", "first-touch write faults over 1 GiB / the host kernel's", bench_fault },
	{ "gup", "pin_user_pages_fast + unpin of 1 GiB / the host's io_uring buffer pin", bench_gup },
	{ "hmm", "hmm_range_fault over present pages, ns per page", bench_hmm },
	{ "migrate", "sys->dev->sys round trips of 256 MiB, 2 MiB batches and 4 KiB pages / memcpy", bench_migrate },
	{ "evict", "zd_mirror_destroy() of a mirror holding 1 GiB of device pages, per page", bench_evict },
	{ "devdax-pin", "pin_user_pages_fast + unpin of 16 GiB of device-dax, 2 MiB compound vs 4 KiB", bench_devdax_pin },
	{ "devdax-meta", "resident memmap of 1 TiB of device-dax at 1 GiB and 2 MiB alignment", bench_devdax_meta },
	{ "truncate", "ftruncate of a mapped 1 GiB daxfs file, us per MiB / munmap of the mapping", bench_truncate },
};

static void usage(FILE *out)
{
	unsigned int i;

	fprintf(out,
		"usage: zonedev [options] run\n"
		"       zonedev [options] bench NAME|all\n"
		"\n"
		"The Linux ZONE_DEVICE memory subsystem, in userspace.\n"
		"\n"
		"commands:\n"
		"  run            the default workload: device memory of every type registered,\n"
		"                 pages allocated, referenced from several threads, freed, the\n"
		"                 device removed; under both refcount schemes, then audited\n"
		"  bench NAME     a benchmark (ratios measured in the same run):\n");
	for (i = 0; i < ARRAY_SIZE(benches); i++)
		fprintf(out, "                   %-10s %s\n", benches[i].name, benches[i].help);
	fprintf(out,
		"\n"
		"options:\n"
		"  --scheme S     zero, elevated or both (default both)\n"
		"  --seed N       seed for randomised parts (default: time)\n"
		"  --trace FILE   write trace events (ftrace text) to FILE\n"
		"  --json         JSON output: trace events (Chrome format) / benchmark results\n"
		"  --quick        benchmarks: fewer repetitions\n"
		"  -h, --help     this text\n"
		"  --version      the version\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scheme", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct tool_opts opts = { .scheme = -1, .seed = (unsigned long)time(NULL) };
	const char *trace_path = NULL;
	unsigned int i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "zero"))
				opts.scheme = ZD_REFCOUNT_ZERO;
			else if (!strcmp(optarg, "elevated"))
				opts.scheme = ZD_REFCOUNT_ELEVATED;
			else if (!strcmp(optarg, "both"))
				opts.scheme = -1;
			else {
				fprintf(stderr, "zonedev: unknown scheme '%s'\n", optarg);
				return 2;
			}
			break;
		case 'S':
			opts.seed = strtoul(optarg, NULL, 0);
			break;
		case 't':
			trace_path = optarg;
			break;
		case 'j':
			opts.json = true;
			opts.trace_json = true;
			break;
		case 'q':
			opts.quick = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("zonedev %s\n", ZONEDEV_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (trace_path) {
		opts.trace = fopen(trace_path, "w");
		if (!opts.trace) {
			perror(trace_path);
			return 1;
		}
	}

	if (!strcmp(argv[optind], "run")) {
		ret = tool_run(&opts);
	} else if (!strcmp(argv[optind], "bench") && optind + 1 < argc) {
		const char *name = argv[optind + 1];

		ret = -1;
		for (i = 0; i < ARRAY_SIZE(benches); i++) {
			if (strcmp(name, "all") && strcmp(name, benches[i].name))
				continue;
			ret = benches[i].fn(&opts) ? 1 : (ret > 0 ? ret : 0);
		}
		if (ret < 0) {
			fprintf(stderr, "zonedev: no benchmark '%s'\n", name);
			ret = 2;
		}
	} else {
		usage(stderr);
		ret = 2;
	}
	if (opts.trace)
		fclose(opts.trace);
	return ret;
}
