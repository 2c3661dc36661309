/* Time sources: monotonic milliseconds for timers, wall-clock for pages and logs. */
#ifndef INTERCOM_CLOCK_H
#define INTERCOM_CLOCK_H

#include <stdint.h>

/* Milliseconds on a clock that never jumps (timers, heartbeats, round trips). */
uint64_t clock_mono_ms(void);
/* Microseconds on the same clock: the shared clock's samples and play-at times. */
uint64_t clock_mono_us(void);
/* Milliseconds since the epoch (page times, archive names). */
uint64_t clock_wall_ms(void);

#endif
