/* Which connection waiting for HELLO is closed to make room for a newer one. */
#include "intercom/net/admission.h"

#include <stdio.h>
#include <string.h>

/* The host part of "host:port" or "[v6]:port": everything before the last colon. */
static size_t host_length(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	return colon ? (size_t)(colon - addr) : strlen(addr);
}

void admission_host(const char *addr, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.*s", (int)host_length(addr), addr);
}

bool admission_same_host(const char *a, const char *b)
{
	size_t len = host_length(a);
	return len == host_length(b) && memcmp(a, b, len) == 0;
}

size_t admission_victim(const char *const *waiting, size_t count, const char *arriving)
{
	size_t victim = 0, victim_places = 0;
	for (size_t i = 0; i < count; i++) {
		/* Each host is weighed once, at its oldest connection: the one it would lose. */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = admission_same_host(waiting[i], waiting[j]);
		if (seen)
			continue;
		size_t places = admission_same_host(waiting[i], arriving);
		for (size_t j = i; j < count; j++)
			places += admission_same_host(waiting[i], waiting[j]);
		/* Strictly more: between hosts holding as many, the oldest connection goes. */
		if (places > victim_places) {
			victim = i;
			victim_places = places;
		}
	}
	return victim;
}

enum admission admission_decide(enum admit_policy policy, bool approved, bool refused,
                                bool proved_psk)
{
	if (refused)
		return ADMISSION_REFUSE;
	if (approved || policy == ADMIT_ALL || (policy == ADMIT_KEY && proved_psk))
		return ADMISSION_JOIN;
	return ADMISSION_WAIT;
}
