/* netaddr.c - address ranges (CIDR) for server.trusted_proxies. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int cidr_parse(struct cidr *out, const char *text)
{
	char addr[64], *end = NULL;
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;

	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, text, n);
	addr[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	out->prefix = out->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		return 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || prefix > out->prefix)
		return -1;
	out->prefix = (unsigned)prefix;
	return 0;
}

static int prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xFF << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int cidr_match_any(const struct cidr *ranges, size_t n,
		   const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0,    0,
					     0, 0, 0, 0, 0xFF, 0xFF};
	uint8_t a[16];
	int family;
	size_t i;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(
		    a,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(
		    a,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    16);
		family = AF_INET6;
		if (memcmp(a, v4mapped, 12) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else {
		return 0;
	}
	for (i = 0; i < n; i++)
		if (ranges[i].family == family &&
		    prefix_equal(ranges[i].addr, a, ranges[i].prefix))
			return 1;
	return 0;
}
