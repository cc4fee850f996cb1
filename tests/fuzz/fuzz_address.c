/* fuzz_address.c - domain names, addresses and query strings. */
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "fuzz.h"
#include "request.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), dom[DOMAIN_MAX + 1], v[256];
	const char *why = NULL;
	struct address a;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (domain_normalize(dom, s, strlen(s), &why) == 0 &&
	    !hostname_valid(dom))
		__builtin_trap(); /* normalized means valid */
	if (address_parse(&a, s, &why) == 0) {
		struct address again;
		if (!hostname_valid(a.domain) ||
		    strlen(a.local) > LOCALPART_MAX)
			__builtin_trap();
		/* RFC 5321: a dot-string never has a stray dot; a quoted
		 * string is closed; a parsed address parses to itself */
		if (a.local[0] != '"' &&
		    (a.local[0] == '.' || strstr(a.local, "..") != NULL ||
		     a.local[strlen(a.local) - 1] == '.' ||
		     strpbrk(a.local, " \"(),:;<>@[\\]") != NULL))
			__builtin_trap();
		if (a.local[0] == '"' && (strlen(a.local) < 3 ||
					  a.local[strlen(a.local) - 1] != '"'))
			__builtin_trap();
		if (address_parse(&again, a.full, &why) != 0 ||
		    strcmp(again.full, a.full) != 0)
			__builtin_trap();
	}
	request_query_get(s, "email", v, sizeof(v));
	request_unescape(v, sizeof(v), s, strlen(s));
	free(s);
	return 0;
}
