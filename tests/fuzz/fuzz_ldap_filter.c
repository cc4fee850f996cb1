/* fuzz_ldap_filter.c - the LDAP login filter builder (sources/ldap.c):
 * the input is a filter template and an address; what comes out must hold
 * no byte of the address that RFC 4515 says to escape, unescaped. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sources/source.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The template is the input up to its first newline, the local part the
 * rest (a domain is fixed): as the table and a client would give them. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *nl; /* freed below */
	struct source_address a;
	struct buf out = BUF_INIT; /* freed below */
	const char *local;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nl = strchr(s, '\n');
	local = nl ? nl + 1 : "alice";
	if (nl)
		*nl = '\0';
	if (source_address(&a, local, "kunde.example") == 0 &&
	    source_ldap_filter(&out, s, a.values) == 0) {
		/* the template without placeholders comes out as it went in */
		if (strchr(s, '{') == NULL &&
		    (out.len != strlen(s) || memcmp(out.data, s, out.len)))
			__builtin_trap();
		/* an escaped value holds no filter syntax of its own */
		if (strstr(s, "{localpart}") == NULL &&
		    strstr(s, "{address}") == NULL && strchr(s, '(') == NULL &&
		    strchr(s, ')') == NULL && strchr(s, '*') == NULL &&
		    out.data != NULL &&
		    (strchr(out.data, '(') != NULL ||
		     strchr(out.data, ')') != NULL ||
		     strchr(out.data, '*') != NULL))
			__builtin_trap();
	}
	buf_free(&out);
	free(s);
	return 0;
}
