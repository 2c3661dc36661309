/* The UDP sockets of RTP paging (rtp_socket.h). */
#include "intercom/net/rtp_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* DSCP EF (expedited forwarding, RFC 3246), what voice gets on a network that honours it. */
#define RTP_TOS_EF 0xb8

/* The interface's index, or 0 for none given; -1 with a reason for an unknown one. */
static int iface_index(const struct rtp_spec *spec, char *err, size_t errlen)
{
	if (!spec->iface[0])
		return 0;
	unsigned idx = if_nametoindex(spec->iface);
	if (idx == 0) {
		snprintf(err, errlen, "no network interface '%s': give one that `ip link` lists", spec->iface);
		return -1;
	}
	return (int)idx;
}

static struct sockaddr_in spec_addr(const struct rtp_spec *spec)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)spec->port) };
	inet_pton(AF_INET, spec->group, &sa.sin_addr);
	return sa;
}

static int fail_close(int fd, char *err, size_t errlen, const char *what, const struct rtp_spec *spec)
{
	snprintf(err, errlen, "%s %s:%d: %s", what, spec->group, spec->port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A non-blocking UDP socket for spec, and its interface's index in *ifindex (0: none given); -1 with why. */
static int udp_socket(const struct rtp_spec *spec, int *ifindex, char *err, size_t errlen)
{
	*ifindex = iface_index(spec, err, errlen);
	if (*ifindex < 0)
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_close(fd, err, errlen, "cannot make a UDP socket for", spec);
	return fd;
}

int rtp_socket_sender(const struct rtp_spec *spec, char *err, size_t errlen)
{
	int ifindex;
	int fd = udp_socket(spec, &ifindex, err, errlen);
	if (fd < 0)
		return -1;
	int tos = RTP_TOS_EF;
	(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos); /* best effort: a hint to the network */
	if (spec->multicast) {
		int ttl = spec->ttl;
		unsigned char loop = 1;
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) < 0)
			return fail_close(fd, err, errlen, "cannot set multicast TTL for", spec);
		if (ifindex) {
			struct ip_mreqn mr = { .imr_ifindex = ifindex };
			if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof mr) < 0)
				return fail_close(fd, err, errlen, "cannot send multicast on that interface to", spec);
		}
	} else if (ifindex &&
	           setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, spec->iface, (socklen_t)strlen(spec->iface)) < 0) {
		return fail_close(fd, err, errlen, "cannot bind to the interface (needs CAP_NET_RAW) for", spec);
	}
	struct sockaddr_in sa = spec_addr(spec);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return fail_close(fd, err, errlen, "no route to", spec);
	return fd;
}

int rtp_socket_listen(const struct rtp_spec *spec, char *err, size_t errlen)
{
	int ifindex;
	int fd = udp_socket(spec, &ifindex, err, errlen);
	if (fd < 0)
		return -1;
	/* Others may listen to the same group on this host (a second speaker, a recorder). */
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* A group's address bound, so only its packets come, not another group's on the same port. */
	struct sockaddr_in sa = spec_addr(spec);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return fail_close(fd, err, errlen,
		                  spec->multicast ? "cannot bind" : "cannot bind (give an address of this host, "
		                                                    "or 0.0.0.0)",
		                  spec);
	if (spec->multicast) {
		struct ip_mreqn mr = { .imr_multiaddr = sa.sin_addr, .imr_ifindex = ifindex };
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
			return fail_close(fd, err, errlen,
			                  "cannot join the group (no multicast route? give iface=NAME)", spec);
	}
	return fd;
}
