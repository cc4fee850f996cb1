/* reaper.h - deadlines for what a client sends (STYLE: "a deadline, not
 * an idle timeout").
 *
 * libmicrohttpd's connection timeout counts idle time only: a client that
 * sends one header line every few seconds is never idle, and a few
 * thousand of those hold every connection slot. Here each connection has
 * a deadline for what it is waiting for: its request head, counted from
 * the accept (or from the previous answer, plus the keep-alive idle time),
 * then its body, from the end of the head. A thread closes (shutdown(2))
 * the connections past their deadline, and under pressure (more than
 * 3/4 of the connection limit open) also every connection that has been
 * waiting for its client for more than REAPER_PRESSURE_MS, so that new
 * clients find room: a real client's head arrives within milliseconds.
 * Under pressure, too, an address that holds REAPER_FAIR_SHARE of the
 * limit already gets no new connection (reaper_admit(), at the accept):
 * a few addresses cannot fill the rest.
 *
 * The transport (http.c) owns the connections and tells the reaper what
 * each waits for; the reaper only ever shuts a socket down, and never
 * after reaper_remove() returned for it (the socket is closed after). */
#ifndef MAILCONFD_REAPER_H
#define MAILCONFD_REAPER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/socket.h>

#define REAPER_TICK_MS	   250	/* how often the thread looks */
#define REAPER_PRESSURE_MS 1000 /* waiting allowed above 3/4 full */
#define REAPER_FAIR_SHARE  16	/* 1/16 of the limit per address, then */

/* Key: [I] immutable after reaper_add(), [a] atomic, [m] reaper.lock. */
struct reaper_conn {
	struct reaper_conn *prev, *next; /* [m] the reaper's list */
	int fd;				 /* [I] the socket */
	int shut;			 /* [m] shut down by the reaper */
	int counted;			 /* [m] in reaper.addrs under key */
	unsigned char key[17];		 /* [I] its address (reaper.c) */
	atomic_llong deadline_ms;	 /* [a] monotonic; 0: none */
	atomic_llong waiting_ms;	 /* [a] since when it waits for its
					    client (head or body); 0: not */
};

/* What the reaper counts (borrowed from main()'s metrics; may be NULL). */
struct reaper_counters {
	atomic_ulong *deadline; /* closed past their deadline */
	atomic_ulong *pressure; /* closed to make room */
};

struct reaper_addr {
	unsigned char key[17]; /* family byte, then 16 address bytes */
	unsigned count;	       /* 0: a free slot */
};

/* Key: [I] immutable after reaper_start(), [m] lock. */
struct reaper {
	pthread_mutex_t lock;
	pthread_cond_t wake;	   /* [m] stop */
	struct reaper_conn *head;  /* [m] every registered connection */
	size_t n;		   /* [m] how many */
	int stopping;		   /* [m] */
	long long head_ms;	   /* [I] the request head's deadline */
	long long body_ms;	   /* [I] the body's, from the head's end */
	long long idle_ms;	   /* [I] keep-alive: idle time allowed
				      before the next head begins */
	size_t pressure_at;	   /* [I] open connections that mean
				      pressure */
	unsigned fair_share;	   /* [I] connections one address may hold
				      under pressure */
	struct reaper_addr *addrs; /* [m] owned: connections per address,
				      open addressing, n_addrs slots */
	size_t n_addrs;		   /* [I] a power of two */
	struct reaper_counters counters; /* [I] */
	pthread_t thread;		 /* [I] */
};

/* Starts the thread. head_s/body_s/idle_s are seconds; max_connections
 * the listener's limit. Returns 0 or -1 (logged; nothing to stop then). */
int reaper_start(struct reaper *r, long head_s, long body_s, long idle_s,
		 long max_connections, struct reaper_counters counters);

/* Stops the thread (after the listener stopped). */
void reaper_stop(struct reaper *r);

/* May a new connection from addr be accepted? 1, or 0 under pressure
 * for an address that holds its fair share already. */
int reaper_admit(struct reaper *r, const struct sockaddr *addr);

/* A new connection on fd from addr (may be NULL), whose head is due
 * head_ms from now. */
void reaper_add(struct reaper *r, struct reaper_conn *c, int fd,
		const struct sockaddr *addr);

/* The connection closes: the reaper lets go of it (before its socket
 * is closed). */
void reaper_remove(struct reaper *r, struct reaper_conn *c);

/* The head is in: the body is due body_ms from now. */
void reaper_head_done(const struct reaper *r, struct reaper_conn *c);

/* The request is whole: no deadline while it is answered (a login
 * lookup has its own). */
void reaper_request_done(struct reaper_conn *c);

/* The answer went out: the next head is due idle_ms + head_ms from now. */
void reaper_answered(const struct reaper *r, struct reaper_conn *c);

#endif
