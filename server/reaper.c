/* reaper.c - deadlines for what a client sends (reaper.h). */
#include "reaper.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "elapsed.h"
#include "hash.h"
#include "log.h"

/* The table key of addr: family byte and the address; 0 if neither v4
 * nor v6. */
static int addr_key(unsigned char key[17], const struct sockaddr *sa)
{
	memset(key, 0, 17);
	if (sa == NULL)
		return 0;
	key[0] = (unsigned char)sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		       16);
	else
		return 0;
	return 1;
}

/* Under the lock: the slot of key, or the free slot where it would go;
 * -1 when the table is full (it never is: twice the connection limit). */
static long addr_slot(const struct reaper *r, const unsigned char key[17])
{
	size_t mask = r->n_addrs - 1, i = fnv1a(FNV1A_INIT, key, 17) & mask;
	size_t tries;

	for (tries = 0; tries < r->n_addrs; tries++, i = (i + 1) & mask)
		if (r->addrs[i].count == 0 ||
		    memcmp(r->addrs[i].key, key, 17) == 0)
			return (long)i;
	return -1;
}

/* Under the lock: one connection less at slot i; an emptied slot is
 * filled from the probe run after it (backward shift, no tombstones). */
static void addr_drop(struct reaper *r, size_t i)
{
	size_t mask = r->n_addrs - 1, j = i, home;

	if (--r->addrs[i].count > 0)
		return;
	for (;;) {
		j = (j + 1) & mask;
		if (r->addrs[j].count == 0)
			break;
		home = fnv1a(FNV1A_INIT, r->addrs[j].key, 17) & mask;
		/* j may move to i if its home is not in (i, j] */
		if (i <= j ? (home <= i || home > j)
			   : (home <= i && home > j)) {
			r->addrs[i] = r->addrs[j];
			r->addrs[j].count = 0;
			i = j;
		}
	}
}

/* Under the lock: shuts c down once, counting why. */
static void shut(struct reaper_conn *c, atomic_ulong *count)
{
	if (c->shut)
		return;
	c->shut = 1;
	shutdown(c->fd, SHUT_RDWR); /* MHD sees the end, closes, tells us */
	if (count != NULL)
		atomic_fetch_add(count, 1);
}

/* Under the lock: one look at every connection. */
static void sweep(struct reaper *r, long long now)
{
	int pressure = r->n > r->pressure_at;
	struct reaper_conn *c;
	long long d, w;

	for (c = r->head; c != NULL; c = c->next) {
		d = atomic_load(&c->deadline_ms);
		w = atomic_load(&c->waiting_ms);
		if (d != 0 && d <= now)
			shut(c, r->counters.deadline);
		else if (pressure && w != 0 && now - w > REAPER_PRESSURE_MS)
			shut(c, r->counters.pressure);
	}
}

static void *reaper_thread(void *arg)
{
	struct reaper *r = arg;
	struct timespec ts;
	long long next;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		sweep(r, elapsed_now_ms());
		next = elapsed_now_ms() + REAPER_TICK_MS;
		ts.tv_sec = next / 1000;
		ts.tv_nsec = (next % 1000) * 1000000;
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int reaper_start(struct reaper *r, long head_s, long body_s, long idle_s,
		 long max_connections, struct reaper_counters counters)
{
	pthread_condattr_t ca;

	r->head = NULL;
	r->n = 0;
	r->stopping = 0;
	r->head_ms = head_s * 1000LL;
	r->body_ms = body_s * 1000LL;
	r->idle_ms = idle_s * 1000LL;
	r->pressure_at = (size_t)max_connections * 3 / 4;
	r->fair_share = (unsigned)(max_connections / REAPER_FAIR_SHARE) + 1;
	r->counters = counters;
	for (r->n_addrs = 64; r->n_addrs < (size_t)max_connections * 2;)
		r->n_addrs *= 2;
	r->addrs = calloc(r->n_addrs, sizeof(*r->addrs)); /* reaper_stop() */
	if (r->addrs == NULL) {
		log_error("out of memory for the connection deadlines");
		return -1;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, reaper_thread, r) != 0) {
		log_error("cannot start the connection deadline thread");
		free(r->addrs);
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		return -1;
	}
	return 0;
}

void reaper_stop(struct reaper *r)
{
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r->addrs);
	r->addrs = NULL;
}

int reaper_admit(struct reaper *r, const struct sockaddr *addr)
{
	unsigned char key[17];
	long i;
	int ok = 1;

	if (!addr_key(key, addr))
		return 1;
	pthread_mutex_lock(&r->lock);
	if (r->n > r->pressure_at && (i = addr_slot(r, key)) >= 0 &&
	    r->addrs[i].count >= r->fair_share) {
		ok = 0;
		if (r->counters.pressure != NULL)
			atomic_fetch_add(r->counters.pressure, 1);
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

void reaper_add(struct reaper *r, struct reaper_conn *c, int fd,
		const struct sockaddr *addr)
{
	long long now = elapsed_now_ms();
	int keyed = addr_key(c->key, addr);
	long i;

	c->fd = fd;
	c->shut = 0;
	c->counted = 0;
	atomic_init(&c->deadline_ms, now + r->head_ms);
	atomic_init(&c->waiting_ms, now);
	pthread_mutex_lock(&r->lock);
	c->prev = NULL;
	c->next = r->head;
	if (r->head != NULL)
		r->head->prev = c;
	r->head = c;
	r->n++;
	if (keyed && (i = addr_slot(r, c->key)) >= 0) {
		memcpy(r->addrs[i].key, c->key, 17);
		r->addrs[i].count++;
		c->counted = 1;
	}
	pthread_mutex_unlock(&r->lock);
}

void reaper_remove(struct reaper *r, struct reaper_conn *c)
{
	long i;

	pthread_mutex_lock(&r->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (r->head == c)
		r->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	r->n--;
	if (c->counted && (i = addr_slot(r, c->key)) >= 0 &&
	    r->addrs[i].count > 0)
		addr_drop(r, (size_t)i);
	pthread_mutex_unlock(&r->lock);
}

void reaper_head_done(const struct reaper *r, struct reaper_conn *c)
{
	atomic_store(&c->deadline_ms, elapsed_now_ms() + r->body_ms);
}

void reaper_request_done(struct reaper_conn *c)
{
	atomic_store(&c->deadline_ms, 0);
	atomic_store(&c->waiting_ms, 0);
}

void reaper_answered(const struct reaper *r, struct reaper_conn *c)
{
	long long now = elapsed_now_ms();

	atomic_store(&c->deadline_ms, now + r->idle_ms + r->head_ms);
	atomic_store(&c->waiting_ms, now);
}
