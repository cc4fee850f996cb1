/* main.c - options, startup, signals, reload. No protocol logic.
 *
 * All mutable state of the daemon lives in main()'s frame and run()'s:
 * the options, the metrics, the directory's run-time state (its lookup
 * pool and cache), the model slot and the listeners. Signals are taken
 * synchronously with sigwait() in the main thread (blocked everywhere
 * else, before any thread starts), so a reload and the directory's
 * refresh run in ordinary code, never in a signal handler. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "address.h"
#include "admin_probe.h"
#include "directory.h"
#include "dns.h"
#include "elapsed.h"
#include "http.h"
#include "keypair.h"
#include "metrics.h"
#include "log.h"
#include "model_load.h"
#include "probe.h"
#include "settings.h"
#include "tls.h"

#ifndef MAILCONFD_VERSION
#define MAILCONFD_VERSION "0.0.0"
#endif

#define SHORT_OPTIONS	  "c:l:p:t:u:nhV"
#define LIMIT_OPTIONS_MAX 16
#define TLS_PAIRS_MAX	  64
#define LOOKUP_WORKERS	  4 /* threads that ask the directory for logins */

struct options {
	const char *config;
	const char *templates;
	const char *dns_domain;	  /* --dns DOMAIN: print its records, exit */
	const char *dns_all;	  /* --dns-all zone|json: every domain's */
	const char *probe_domain; /* --probe DOMAIN: check it, exit */
	int probe_all;		  /* --probe-all: every hosted domain */
	int json;		  /* --json: the probe's report as JSON */
	int admin_probe;	  /* --admin-probe: /probe on --admin-listen */
	struct probe_options probe; /* --address, --resolver, --probe-* */
	const char *user;	    /* --user NAME: drop root after binding */
	const char *admin;	    /* --admin-listen ADDR:PORT, or NULL */
	const char *tls_cert[TLS_PAIRS_MAX]; /* --tls-cert, paired in order */
	const char *tls_key[TLS_PAIRS_MAX];  /* with --tls-key */
	size_t n_tls_cert, n_tls_key;
	unsigned http_port; /* --http-port: a plain listener beside HTTPS */
	int has_http_port;
	const char *listen;
	unsigned port;
	unsigned threads;
	int check;
	enum access_log access_log;		   /* --access-log */
	const char *limit_opts[LIMIT_OPTIONS_MAX]; /* --limit NAME=VALUE */
	char *tls_priorities; /* owned: the priority string in service since
				 the start (libmicrohttpd takes it once) */
	size_t n_limit_opts;
	struct buf defaults;   /* owned: mailconfd.defaults' text, which
				  config and templates may point into */
	struct pem_keep *keep; /* owned: the key files read at start, for
				  reloads after --user (keypair.h) */
};

static void usage(FILE *f, const struct options *o)
{
	fprintf(
	    f,
	    "usage: mailconfd [options]\n"
	    "  -c, --config FILE     settings table (default: %s)\n"
	    "      --templates DIR   the setup page's templates (default: "
	    "%s)\n"
	    "      --dns DOMAIN      print the DNS records for DOMAIN and "
	    "exit\n"
	    "      --dns-all FORMAT  every hosted domain's records, as zone "
	    "lines or json\n"
	    "  -l, --listen ADDR     numeric address to bind (default "
	    "127.0.0.1)\n"
	    "  -p, --port N          port (default 8080; 0 = any free "
	    "port)\n"
	    "  -t, --threads N       worker threads (default: one per "
	    "core)\n"
	    "      --limit NAME=N    override a limit of the table's "
	    "server.limits\n"
	    "      --access-log MODE stderr (default), json or off\n"
	    "      --admin-listen ADDR:PORT  serve /healthz and /metrics "
	    "there\n"
	    "      --admin-probe     and /probe?domain= (--probe's JSON)\n"
	    "      --tls-cert FILE   HTTPS: a PEM certificate chain (repeat "
	    "with --tls-key;\n"
	    "      --tls-key FILE    chosen by SNI); --port then speaks "
	    "HTTPS\n"
	    "      --http-port N     also a plain HTTP listener (with "
	    "HTTPS)\n"
	    "  -u, --user NAME       run as NAME once the port is bound "
	    "(started as root)\n"
	    "  -n, --check           validate the table and exit\n"
	    "      --probe DOMAIN    check what clients find for DOMAIN, "
	    "from DNS\n"
	    "                        to the mail servers' TLS; exit 0 true, "
	    "1 wrong, 2 unsure\n"
	    "      --probe-all       the same for every hosted domain (a "
	    "line each)\n"
	    "      --address ADDR    the address the probe asks about\n"
	    "      --json            the probe's report as JSON\n"
	    "      --resolver A[:P]  the probe's DNS server (default: "
	    "resolv.conf's)\n"
	    "      --probe-ca FILE   the CAs the probe trusts (default: the "
	    "system's)\n"
	    "      --probe-https-port N, --probe-timeout S, --probe-days D,\n"
	    "      --probe-concurrency N  where 443 is, each wait, the "
	    "certificates'\n"
	    "                        least days left (14), domains at once "
	    "(8)\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         print the version\n"
	    "signals: HUP reloads the table and templates, TERM and INT "
	    "stop.\n",
	    o->config, o->templates);
}

/* The defaults: the installed table and templates, or, for the binary in
 * the build tree, those of the source folder, which the file
 * mailconfd.defaults beside it names (CMakeLists.txt: no build path is
 * compiled in). Its lines are kept in o->defaults (main()'s). */
static void set_defaults(struct options *o)
{
	char exe[4096], *slash, *line, *save = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);

	o->config = MAILCONFD_INSTALLED_CONFIG;
	o->templates = MAILCONFD_INSTALLED_TEMPLATES;
	if (n <= 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return;
	memcpy(slash + 1, "mailconfd.defaults", 19);
	if (buf_read_file(&o->defaults, exe, 8192) < 0)
		return;
	for (line = strtok_r(o->defaults.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "config=", 7) == 0)
			o->config = line + 7;
		else if (strncmp(line, "templates=", 10) == 0)
			o->templates = line + 10;
	}
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end = NULL;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* --access-log MODE. */
static int parse_access_log(struct options *o, const char *mode)
{
	if (strcmp(mode, "off") == 0)
		o->access_log = ACCESS_LOG_OFF;
	else if (strcmp(mode, "stderr") == 0)
		o->access_log = ACCESS_LOG_PLAIN;
	else if (strcmp(mode, "json") == 0)
		o->access_log = ACCESS_LOG_JSON;
	else
		return -1;
	return 0;
}

/* Appends value to a repeatable option's list of at most max. */
static int add_repeated(const char **list, size_t *n, size_t max,
			const char *value)
{
	if (*n == max)
		return -1;
	list[(*n)++] = value;
	return 0;
}

/* The options whose value is kept as typed: the letter and the member. */
static const struct {
	int ch;
	size_t offset; /* of a const char * in struct options */
} text_options[] = {
    {'c', offsetof(struct options, config)},
    {'l', offsetof(struct options, listen)},
    {'T', offsetof(struct options, templates)},
    {'D', offsetof(struct options, dns_domain)},
    {'Z', offsetof(struct options, dns_all)},
    {'P', offsetof(struct options, probe_domain)},
    {'e', offsetof(struct options, probe.address)},
    {'R', offsetof(struct options, probe.resolver)},
    {'G', offsetof(struct options, probe.ca_file)},
    {'u', offsetof(struct options, user)},
    {'a', offsetof(struct options, admin)},
};

/* Keeps the value of a text option, or sets a flag; 1 for another. */
static int parse_value_option(struct options *o, int ch)
{
	static const struct {
		int ch;
		size_t offset; /* of an int in struct options */
	} flags[] = {{'n', offsetof(struct options, check)},
		     {'Y', offsetof(struct options, probe_all)},
		     {'j', offsetof(struct options, json)},
		     {'X', offsetof(struct options, admin_probe)}};
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].ch == ch) {
			*(int *)((char *)o + flags[i].offset) = 1;
			return 0;
		}
	for (i = 0; i < sizeof(text_options) / sizeof(text_options[0]); i++)
		if (text_options[i].ch == ch) {
			*(const char **)((char *)o + text_options[i].offset) =
			    optarg;
			return 0;
		}
	return 1;
}

static int parse_option(struct options *o, int ch)
{
	int rc = parse_value_option(o, ch);

	if (rc <= 0)
		return rc;
	switch (ch) {
	case 'p':
		return parse_uint(optarg, 65535, &o->port);
	case 't':
		rc = parse_uint(optarg, 1024, &o->threads);
		return rc < 0 || o->threads == 0 ? -1 : 0;
	case 'A':
		return parse_access_log(o, optarg);
	case 'C':
		return add_repeated(o->tls_cert, &o->n_tls_cert, TLS_PAIRS_MAX,
				    optarg);
	case 'K':
		return add_repeated(o->tls_key, &o->n_tls_key, TLS_PAIRS_MAX,
				    optarg);
	case 'H':
		o->has_http_port = 1;
		return parse_uint(optarg, 65535, &o->http_port);
	case 'L':
		return add_repeated(o->limit_opts, &o->n_limit_opts,
				    LIMIT_OPTIONS_MAX, optarg);
	case 'S':
		return parse_uint(optarg, 65535, &o->probe.https_port);
	case 'O':
		return parse_uint(optarg, 600, &o->probe.timeout_s);
	case 'W':
		return parse_uint(optarg, 3650, &o->probe.warn_days);
	case 'J':
		return parse_uint(optarg, 64, &o->probe.concurrency);
	case 'h':
		usage(stdout, o);
		exit(0);
	case 'V':
		printf("mailconfd %s\n", MAILCONFD_VERSION);
		exit(0);
	default:
		return -1;
	}
}

/* The name of the option that ch stands for, as the user can type it:
 * "--access-log", or "-p" for those with a short form. */
static void option_name(char *out, size_t n, const struct option *longopts,
			int ch)
{
	size_t i;

	if (strchr(SHORT_OPTIONS, ch) != NULL) {
		snprintf(out, n, "-%c", ch);
		return;
	}
	snprintf(out, n, "an option");
	for (i = 0; longopts[i].name != NULL; i++)
		if (longopts[i].val == ch) {
			snprintf(out, n, "--%s", longopts[i].name);
			return;
		}
}

/* The long options; getopt_long returns each one's letter. */
static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"port", required_argument, NULL, 'p'},
    {"threads", required_argument, NULL, 't'},
    {"limit", required_argument, NULL, 'L'},
    {"check", no_argument, NULL, 'n'},
    {"templates", required_argument, NULL, 'T'},
    {"dns", required_argument, NULL, 'D'},
    {"dns-all", required_argument, NULL, 'Z'},
    {"probe", required_argument, NULL, 'P'},
    {"probe-all", no_argument, NULL, 'Y'},
    {"admin-probe", no_argument, NULL, 'X'},
    {"address", required_argument, NULL, 'e'},
    {"json", no_argument, NULL, 'j'},
    {"resolver", required_argument, NULL, 'R'},
    {"probe-ca", required_argument, NULL, 'G'},
    {"probe-https-port", required_argument, NULL, 'S'},
    {"probe-timeout", required_argument, NULL, 'O'},
    {"probe-days", required_argument, NULL, 'W'},
    {"probe-concurrency", required_argument, NULL, 'J'},
    {"access-log", required_argument, NULL, 'A'},
    {"user", required_argument, NULL, 'u'},
    {"admin-listen", required_argument, NULL, 'a'},
    {"tls-cert", required_argument, NULL, 'C'},
    {"tls-key", required_argument, NULL, 'K'},
    {"http-port", required_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void parse_options(struct options *o, int argc, char **argv)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char name[32];
	int ch;

	set_defaults(o);
	o->listen = "127.0.0.1";
	o->access_log = ACCESS_LOG_PLAIN;
	o->port = 8080;
	o->threads = cores > 0 && cores < 1024 ? (unsigned)cores : 1;
	o->probe.https_port = 443;
	o->probe.timeout_s = 15;
	o->probe.warn_days = 14;
	o->probe.concurrency = 8;

	while ((ch = getopt_long(argc, argv, SHORT_OPTIONS, longopts, NULL)) !=
	       -1) {
		if (parse_option(o, ch) < 0) {
			option_name(name, sizeof(name), longopts, ch);
			if (ch != '?')
				fprintf(stderr,
					"mailconfd: bad value for %s: %s\n",
					name, optarg);
			usage(stderr, o);
			exit(2);
		}
	}
	if (optind != argc || o->n_tls_cert != o->n_tls_key) {
		if (o->n_tls_cert != o->n_tls_key)
			fprintf(stderr, "mailconfd: give --tls-cert and "
					"--tls-key in pairs\n");
		usage(stderr, o);
		exit(2);
	}
}

/* --dns-all zone|json: the records of every hosted domain, streamed (a
 * million domains are about a gigabyte of zone lines). */
static int print_dns_all(const struct model *m, const char *format)
{
	struct buf zone = BUF_INIT, json = BUF_INIT; /* freed below */
	int as_json = strcmp(format, "json") == 0, rc = 0;
	struct buf *out = as_json ? &json : &zone; /* what is written */
	const struct domain_entry *e;
	size_t i;

	if (!as_json && strcmp(format, "zone") != 0) {
		fprintf(stderr, "mailconfd: --dns-all: zone or json\n");
		return 2;
	}
	if (m->provider.service_host[0] == '\0') {
		fprintf(stderr,
			"mailconfd: --dns-all: set provider.service_host "
			"in %s\n",
			m->source);
		return 1;
	}
	for (i = 0; i < m->n_domains && rc == 0; i++) {
		e = &m->domains[i];
		rc = dns_domain(&zone, m, m->names.data + e->name_off,
				model_account(m, e->account));
		if (rc == 0 && as_json) {
			rc = dns_zone_to_json(&json, zone.data);
			buf_reset(&zone);
		}
		if (rc == 0 && (out->len > 1u << 20 || i + 1 == m->n_domains)) {
			fwrite(out->data, 1, out->len, stdout);
			buf_reset(out);
		}
	}
	buf_free(&zone);
	buf_free(&json);
	return rc < 0 || fflush(stdout) != 0 ? 1 : 0;
}

/* --dns DOMAIN: the zone lines for a hosted domain. */
static int print_dns(const struct model *m, const char *domain)
{
	char name[DOMAIN_MAX + 1];
	const char *why = NULL;
	const struct account *a;
	struct buf out = BUF_INIT; /* freed below */
	int rc = 1;

	if (domain_normalize(name, domain, strlen(domain), &why) < 0) {
		fprintf(stderr, "mailconfd: --dns %s: %s\n", domain, why);
		return 1;
	}
	a = model_find_domain(m, name);
	if (a == NULL)
		fprintf(stderr, "mailconfd: --dns %s: not hosted by %s\n",
			domain, m->source);
	else if (m->provider.service_host[0] == '\0')
		fprintf(stderr,
			"mailconfd: --dns: set provider.service_host "
			"in %s (the name mailconfd answers on)\n",
			m->source);
	else if (dns_domain(&out, m, name, a) == 0) {
		fputs(out.data, stdout);
		rc = 0;
	}
	buf_free(&out);
	return rc;
}

/* --probe DOMAIN or --probe-all: the report on stdout; 0 all true, 1
 * something wrong, 2 could not probe. */
static int run_probe(const struct options *o, const struct model *m)
{
	struct probe_report r;
	struct buf out = BUF_INIT; /* freed below */
	char why[512];
	int rc;

	memset(&r, 0, sizeof(r));
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */
	if (o->probe_all)
		return probe_sweep(m, &o->probe, o->json, stdout);
	rc = probe_domain(&r, m, &o->probe, o->probe_domain, why, sizeof(why));
	if (rc == 2) {
		fprintf(stderr, "mailconfd: --probe %s\n", why);
	} else {
		if (o->json)
			probe_report_json(&r, &out);
		else
			probe_report_text(&r, &out);
		printf("%s%s", out.data ? out.data : "", o->json ? "\n" : "");
		rc = probe_report_status(&r);
	}
	buf_free(&out);
	probe_report_free(&r);
	return rc;
}

/* Builds a model from the options and the table (model_load.h): the file,
 * read by the start and by SIGHUP, its bytes kept in keep when a
 * directory's refresh will build a model from them again; or text, the
 * bytes kept, so an edit of the file takes effect on SIGHUP only. On
 * failure prints every problem and returns NULL. */
static struct model *load(const struct options *o, FILE *errout,
			  struct metrics *metrics, const struct buf *text,
			  struct buf *keep)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct load_options lo = {.config = o->config,
				  .text = text == NULL ? NULL
					  : text->data ? text->data
						       : "",
				  .text_len = text ? text->len : 0,
				  .keep_text = keep,
				  .templates = o->templates,
				  .limit_opts = o->limit_opts,
				  .n_limit_opts = o->n_limit_opts,
				  .tls_cert = o->tls_cert,
				  .tls_key = o->tls_key,
				  .n_tls = o->n_tls_cert,
				  .now = time(NULL),
				  .directory = 1,
				  .check = o->check,
				  .keep = o->keep,
				  .no_keys = o->dns_domain != NULL ||
					     o->dns_all != NULL};
	struct model *m = NULL;
	struct timespec t0;

	elapsed_start(&t0);
	if (model_load(&m, &lo, &errs) < 0) {
		fputs(errs.text.data ? errs.text.data : "", errout);
		if (errs.count > SETTINGS_ERRORS_LISTED_MAX)
			fprintf(errout, "%s: ... and %zu more problems\n",
				o->config,
				errs.count - SETTINGS_ERRORS_LISTED_MAX);
		fprintf(errout, "%s: %zu problem%s\n", o->config, errs.count,
			errs.count == 1 ? "" : "s");
	} else {
		double s = (double)elapsed_us(&t0) / 1e6;
		fputs(errs.warnings.data ? errs.warnings.data : "", errout);
		log_info("loaded %s: %zu domains, version %s, in %.3f s",
			 o->config, m->n_domains, m->version, s);
		atomic_store(&metrics->load_us, (unsigned long long)(s * 1e6));
	}
	settings_errors_free(&errs);
	return m;
}

/* What serve() works with: all main()'s. */
struct daemon {
	const struct options *o;
	struct model_slot *slot;
	struct metrics *metrics;
	struct directory_state *dir;
	struct buf *table; /* the text of the table in service, when a
			      directory refresh loads it again */
	int tls;
};

/* SIGHUP (from_file: the table is read again) or a directory refresh
 * (the same text, the directory read again). */
static void reload(struct daemon *d, int from_file)
{
	const struct options *o = d->o;
	struct buf fresh = BUF_INIT; /* kept as d->table on success */
	struct model *m = NULL;
	int tls = d->tls;

	log_info(from_file ? "reloading %s"
			   : "refreshing the directory's domains (%s)",
		 o->config);
	m = from_file ? load(o, stderr, d->metrics, NULL, &fresh)
		      : load(o, stderr, d->metrics, d->table, NULL);
	if (m != NULL && tls && tls_store_count(m->tls) == 0 &&
	    m->acme == NULL) {
		log_error("%s: no HTTPS certificate left, but the listener "
			  "speaks HTTPS",
			  o->config);
		model_unref(m);
		m = NULL;
	}
	metrics_reload(d->metrics, m != NULL);
	if (m == NULL) {
		log_error("reload failed: the table loaded before stays in "
			  "service");
		buf_free(&fresh);
		return;
	}
	if (tls && strcmp(m->tls_priorities ? m->tls_priorities
					    : TLS_PRIORITIES_DEFAULT,
			  o->tls_priorities) != 0)
		log_warn("%s: server.tls_priorities changed: it takes effect "
			 "when mailconfd is restarted",
			 o->config);
	directory_adopt(d->dir, m);
	model_slot_swap(d->slot, m);
	if (from_file) {
		buf_free(d->table);
		*d->table = fresh;
	}
	log_info("reload done");
}

/* Waits for a signal, at most until the directory's next check. Returns
 * the signal, or 0 when the time is up. */
static int wait_signal(const sigset_t *sigs, long long wait_ms)
{
	struct timespec ts;
	int sig = 0;

	if (wait_ms < 0)
		return sigwait(sigs, &sig) == 0 ? sig : 0;
	ts.tv_sec = (time_t)(wait_ms / 1000);
	ts.tv_nsec = (long)(wait_ms % 1000) * 1000000;
	sig = sigtimedwait(sigs, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* Serves until TERM or INT; HUP reloads; the directory's sources are
 * checked when due (directory.h) and their domains read again when they
 * changed. */
static void serve(struct daemon *d, const sigset_t *sigs)
{
	struct model *m;
	long long wait_ms;
	int sig = 0, rebuild;

	for (;;) {
		m = model_slot_acquire(d->slot);
		rebuild = directory_tick(d->dir, m, &wait_ms);
		model_unref(m);
		if (rebuild) {
			reload(d, 0);
			continue;
		}
		sig = wait_signal(sigs, wait_ms);
		if (sig == SIGHUP)
			reload(d, 1);
		else if (sig != 0)
			break;
	}
	log_info("signal %d: stopping", sig);
}

/* Drops root for the user name once the sockets are bound (ports below
 * 1024 need root or CAP_NET_BIND_SERVICE; nothing after needs either).
 * glibc applies setuid() to every thread. Returns 0 or -1 (logged). */
static int drop_privileges(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL) {
		log_error("--user %s: no such user", name);
		return -1;
	}
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
		return 0;
	if (geteuid() != 0) {
		log_error("--user %s: only root can change to another user",
			  name);
		return -1;
	}
	if (initgroups(name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		log_error("--user %s: %s", name, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) { /* must not be able to get root back */
		log_error("--user %s: root could be regained", name);
		return -1;
	}
	log_info("running as %s (uid %u, gid %u)", name, (unsigned)pw->pw_uid,
		 (unsigned)pw->pw_gid);
	return 0;
}

/* One line per listener on stdout: "listening on ADDR:PORT[ (what)]",
 * the admin listener's prefixed "admin " (so a script reading the first
 * "listening on" line finds the service's port). */
static void print_listening(const char *prefix, const char *addr, unsigned port,
			    const char *what)
{
	if (strchr(addr, ':') != NULL)
		printf("%slistening on [%s]:%u%s\n", prefix, addr, port, what);
	else
		printf("%slistening on %s:%u%s\n", prefix, addr, port, what);
	fflush(stdout);
}

/* --admin-listen ADDR:PORT ([v6]:PORT): the /healthz and /metrics
 * listener; the address is copied into addr (main()'s). */
static struct http *start_admin(const struct options *o,
				struct http_config *cfg, char *addr,
				size_t addrsz)
{
	const char *colon = strrchr(o->admin, ':'), *a = o->admin;
	struct http_config admin = *cfg;
	size_t n;
	unsigned port;

	if (colon == NULL || parse_uint(colon + 1, 65535, &port) < 0) {
		log_error("--admin-listen %s: expected ADDR:PORT", o->admin);
		return NULL;
	}
	n = (size_t)(colon - a);
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		a++;
		n -= 2;
	}
	if (n >= addrsz) {
		log_error("--admin-listen %s: address too long", o->admin);
		return NULL;
	}
	memcpy(addr, a, n);
	addr[n] = '\0';
	admin.listen = addr;
	admin.port = port;
	return http_start_admin(&admin);
}

struct listeners {
	struct http *main;  /* --port: HTTPS when certificates are loaded */
	struct http *plain; /* --http-port, beside HTTPS */
	struct http *admin; /* --admin-listen */
	char admin_addr[64];
};

static void stop_listeners(struct listeners *l)
{
	http_stop(l->admin);
	http_stop(l->plain);
	http_stop(l->main);
	l->admin = l->plain = l->main = NULL;
}

/* Starts every listener; on failure (logged) stops those started. */
static int start_listeners(const struct options *o, struct http_config *cfg,
			   struct listeners *l, int tls)
{
	struct http_config plain = *cfg;

	cfg->tls = tls;
	l->main = http_start(cfg);
	if (l->main == NULL)
		return -1;
	if (o->has_http_port && !tls) {
		log_error("--http-port: there is no HTTPS listener (give "
			  "--tls-cert and --tls-key, or server.tls)");
		goto fail;
	}
	if (o->has_http_port) {
		plain.port = o->http_port;
		plain.https_port = http_port(l->main);
		if ((l->plain = http_start(&plain)) == NULL)
			goto fail;
	}
	if (o->admin != NULL &&
	    (l->admin = start_admin(o, cfg, l->admin_addr,
				    sizeof(l->admin_addr))) == NULL)
		goto fail;
	return 0;
fail:
	stop_listeners(l);
	return -1;
}

static void print_listeners(const struct options *o, const struct listeners *l,
			    int tls)
{
	print_listening("", o->listen, http_port(l->main),
			tls ? " (https)" : "");
	if (l->plain != NULL)
		print_listening("", o->listen, http_port(l->plain), " (http)");
	if (l->admin != NULL)
		print_listening("admin ", l->admin_addr, http_port(l->admin),
				"");
}

/* What every listener is started with (start_listeners sets tls). */
static void listener_config(struct http_config *cfg, const struct options *o,
			    const struct model *m, struct model_slot *slot,
			    struct metrics *metrics,
			    struct directory_state *dir)
{
	cfg->listen = o->listen;
	cfg->port = o->port;
	cfg->threads = o->threads;
	cfg->limits = m->limits;
	cfg->access_log = o->access_log;
	cfg->metrics = metrics;
	cfg->slot = slot;
	cfg->tls_priorities = o->tls_priorities;
	cfg->directory = dir;
	cfg->lookups = dir->pool;
}

/* Serves until TERM or INT: listeners, privileges, the signal loop. */
static int run(struct options *o, struct model *m, struct metrics *metrics,
	       struct directory_state *dir, struct buf *table)
{
	struct model_slot slot;
	struct http_config cfg;
	struct listeners l;
	struct daemon d;
	sigset_t sigs;
	int tls = tls_store_count(m->tls) > 0 || m->acme != NULL, rc = 1;
	struct acme *acme = NULL;

	memset(&cfg, 0, sizeof(cfg));
	memset(&l, 0, sizeof(l));
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* before any thread: the
						    lookup threads too */
	signal(SIGPIPE, SIG_IGN);
	if (directory_start(dir, LOOKUP_WORKERS) < 0) {
		model_unref(m);
		return 1;
	}
	directory_adopt(dir, m);
	o->tls_priorities = strdup(m->tls_priorities ? m->tls_priorities
						     : TLS_PRIORITIES_DEFAULT);
	model_slot_init(&slot, m); /* the slot holds m from here on */
	listener_config(&cfg, o, m, &slot, metrics, dir);
	if (m->acme != NULL && (acme = acme_start(&slot, m)) == NULL)
		goto out;
	cfg.acme = acme;
	if (o->admin_probe && o->admin != NULL &&
	    (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	     (cfg.probe = admin_probe_new(&slot, &o->probe)) == NULL))
		goto out;
	if (o->tls_priorities == NULL ||
	    start_listeners(o, &cfg, &l, tls) < 0 ||
	    (o->user != NULL && drop_privileges(o->user) < 0))
		goto out;
	print_listeners(o, &l, tls);
	d.o = o;
	d.slot = &slot;
	d.metrics = metrics;
	d.dir = dir;
	d.table = table;
	d.tls = tls;
	serve(&d, &sigs);
	rc = 0;
out:
	directory_stop(dir); /* waiting requests answered first */
	stop_listeners(&l);
	acme_stop(acme);	     /* after the listeners that borrow it */
	admin_probe_free(cfg.probe); /* likewise; waits for a probe */
	directory_free(dir);
	model_slot_destroy(&slot);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	struct model *m; /* handed to run(), or dropped here */
	struct metrics metrics;
	struct directory_state dir;
	struct buf table = BUF_INIT; /* the table in service, if kept (load) */
	int rc = 1;

	memset(&o, 0, sizeof(o));
	parse_options(&o, argc, argv);
	metrics_init(&metrics);
	xmlInitParser();
	o.keep = pem_keep_new();
	m = load(&o, stderr, &metrics, NULL, &table);
	pem_keep_seal(o.keep); /* reloads read from it, never add */
	if (m == NULL)
		goto out;
	if (o.dns_all != NULL) {
		rc = print_dns_all(m, o.dns_all);
		model_unref(m);
	} else if (o.dns_domain != NULL) {
		rc = print_dns(m, o.dns_domain);
		model_unref(m);
	} else if (o.probe_domain != NULL || o.probe_all) {
		rc = run_probe(&o, m);
		model_unref(m);
	} else if (o.check) {
		if (m->acme != NULL)
			acme_check(m);
		printf("configuration OK\n");
		model_unref(m);
		rc = 0;
	} else {
		rc = run(&o, m, &metrics, &dir, &table);
	}
out:
	free(o.tls_priorities);
	pem_keep_free(o.keep);
	buf_free(&o.defaults);
	buf_free(&table);
	xmlCleanupParser();
	return rc;
}
