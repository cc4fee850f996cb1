/* netaddr.h - address ranges (CIDR) for server.trusted_proxies. */
#ifndef MAILCONFD_NETADDR_H
#define MAILCONFD_NETADDR_H

#include <stdint.h>
#include <sys/socket.h>

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

/* Parses "192.0.2.1", "10.0.0.0/8", "::1" or "2001:db8::/32".
 * Returns 0 or -1. */
int cidr_parse(struct cidr *out, const char *text);

/* 1 if sa (IPv4, IPv6 or IPv4-mapped IPv6) is inside one of the n
 * ranges, else 0. */
int cidr_match_any(const struct cidr *ranges, size_t n,
		   const struct sockaddr *sa);

#endif
