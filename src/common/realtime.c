/* Real-time scheduling for the calling thread (realtime.h). */
#include "intercom/common/realtime.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

int realtime_raise_self(int priority, char *why, size_t whylen)
{
	struct sched_param param = { .sched_priority = priority };
	int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
	if (rc == 0)
		return 0;
	struct rlimit lim = { 0 };
	getrlimit(RLIMIT_RTPRIO, &lim);
	if (rc == EPERM)
		snprintf(why, whylen, "real-time priority %d not allowed (RLIMIT_RTPRIO is %llu): allow it with "
		         "LimitRTPRIO=%d in the service, or ulimit -r %d", priority,
		         (unsigned long long)lim.rlim_cur, priority, priority);
	else
		snprintf(why, whylen, "real-time priority %d: %s", priority, strerror(rc));
	return -1;
}

void realtime_lower_self(void)
{
	struct sched_param param = { .sched_priority = 0 };
	pthread_setschedparam(pthread_self(), SCHED_OTHER, &param);
}
