/* When a page plays: its play-at from each targeted link's measured throughput and clock. */
#include "intercom/console/playat.h"

#include "intercom/common/defaults.h"
#include "intercom/net/proto.h"

bool playat_link_timed(const struct playat_link *link)
{
	return link->play_at && link->sync_state == SYNC_LOCKED &&
	       link->uncertainty_us <= PLAYAT_MAX_UNCERTAINTY_US;
}

/* µs to move bytes at rate_bps, rounded up (bytes * 8e6 stays in 64 bits up to 2.3 TB). */
static uint64_t move_us(uint64_t bytes, uint64_t rate_bps)
{
	return (bytes * 8u * 1000000u + rate_bps - 1) / rate_bps;
}

uint64_t playat_link_us(const struct playat_link *link, uint64_t page_bytes)
{
	uint64_t rate = link->rate_bps ? link->rate_bps : PLAYAT_DEFAULT_LINK_BPS;
	if (link->streamed)
		page_bytes = 0;
	return move_us(link->queued_bytes + page_bytes, rate) + link->rtt_us + link->uncertainty_us;
}

void playat_plan(struct playat_plan *plan, const struct playat_link *links, size_t n,
                  uint64_t page_bytes, uint64_t uplink_bps, uint64_t archive_us)
{
	*plan = (struct playat_plan){ .why = PLAYAT_NO_CLOCK };
	uint64_t all_bytes = 0;
	for (size_t i = 0; i < n; i++) /* every copy crosses the console's link */
		all_bytes += links[i].queued_bytes + (links[i].streamed ? 0 : page_bytes);
	plan->uplink_us = move_us(all_bytes, uplink_bps ? uplink_bps : PLAYAT_DEFAULT_UPLINK_BPS);
	for (size_t i = 0; i < n; i++) {
		if (!playat_link_timed(&links[i])) {
			plan->on_arrival++;
			continue;
		}
		plan->timed++;
		uint64_t us = playat_link_us(&links[i], page_bytes);
		uint64_t committed = archive_us ? archive_us + links[i].rtt_us + links[i].uncertainty_us : 0;
		if (committed > us)
			us = committed;
		if (plan->uplink_us > us)
			us = plan->uplink_us;
		us += links[i].start_lead_us ? links[i].start_lead_us : PLAYAT_MARGIN_MS * 1000u;
		plan->ready += links[i].start_lead_us != 0;
		if (us > plan->lead_us)
			plan->lead_us = us;
	}
	if (plan->timed == 0) {
		plan->uplink_us = 0;
		return;
	}
	plan->why = plan->lead_us > PLAYAT_MAX_LEAD_MS * 1000u ? PLAYAT_TOO_LONG : PLAYAT_TIMED;
}

uint64_t playat_rate_sample(uint64_t bytes, uint64_t elapsed_us, uint32_t rtt_us)
{
	if (bytes < PLAYAT_MEASURE_MIN_BYTES)
		return 0;
	uint64_t moving = elapsed_us > rtt_us ? elapsed_us - rtt_us : 0;
	if (moving < 1000)
		moving = 1000; /* faster than a millisecond (loopback): as if it took one */
	return bytes * 8u * 1000000u / moving;
}

uint64_t playat_archive_smooth(uint64_t estimate_us, uint64_t sample_us)
{
	if (estimate_us == 0 || sample_us >= estimate_us)
		return sample_us;
	return estimate_us - (estimate_us - sample_us) / 4;
}

uint64_t playat_rate_smooth(uint64_t rate_bps, uint64_t sample_bps)
{
	if (sample_bps == 0)
		return rate_bps;
	if (rate_bps == 0)
		return sample_bps;
	if (sample_bps >= rate_bps)
		return rate_bps + (sample_bps - rate_bps) / 4;
	return rate_bps - (rate_bps - sample_bps) / 4;
}
