/*
 * The jitter buffer of a live stream: frames arrive in any order, late,
 * twice or not at all; it hands them out one slot per frame, in sequence
 * order, each when its time comes: the frame, or "missing: conceal it". It
 * owns which frame plays in which slot, the stream's timeline (each slot's
 * capture time), what is dropped and why (counted), and when a stream that
 * stopped is over. Pure: no clock, no I/O; the caller passes the time.
 * All memory is taken in jitter_new (capacity slots of max_frame_bytes).
 *
 * Time. Frames carry their capture time in the console's clock (µs). The
 * caller passes play_us: the capture time whose sound is due at the
 * speaker now, i.e. the shared clock's console time now minus the live
 * latency, plus how far ahead of the DAC the caller feeds its output.
 *
 * Rules:
 *  - A slot is handed out once play_us reaches its capture time, and only
 *    while some of it is still ahead (play_us < capture time + one frame):
 *    a slot whose whole time passed before it was asked for (the caller
 *    stalled) is handed out as JITTER_PASSED, to be skipped, never played.
 *  - A frame for a slot already handed out is dropped as late: a frame is
 *    never played after its time, its slot was concealed instead.
 *  - Frames more than capacity slots ahead of the next slot, or whose
 *    capture time lies beyond play_us + capacity frames, are dropped (the
 *    memory is fixed); so are frames longer than max_frame_bytes, second
 *    copies of a frame held, and frames whose capture time is off where
 *    their sequence number puts it by more than JITTER_TIME_TOLERANCE_US.
 *  - Sequence numbers are 32 bits and wrap (serial number arithmetic, RFC
 *    1982): a difference of up to 2^31 either way is meaningful.
 *  - Until the first slot is handed out, a frame older than the first one
 *    received (reordered at the start) moves the start back to it.
 *  - After end_after slots in a row with no frame, the stream is over:
 *    jitter_pop says JITTER_ENDED (instead of a last missing slot) and every
 *    later call too, until jitter_reset. A stream that stops is so ended at
 *    most end_after x frame after its last frame's slot was due, provided
 *    the caller keeps popping at its pace (JITTER_END_AFTER_MS: 1 s).
 */
#ifndef INTERCOM_JITTER_H
#define INTERCOM_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jitter_config {
	uint32_t frame_us;        /* one frame's duration (stream_codec_frame_us) */
	size_t capacity;          /* slots held ahead of the next one; rounded up to a power of two */
	size_t max_frame_bytes;   /* longer frames are refused (stream_codec_max_frame_bytes) */
	uint32_t end_after;       /* missing slots in a row that end the stream, >= 1 */
	uint32_t time_tolerance_us; /* JITTER_TIME_TOLERANCE_US */
};

/*
 * The defaults for frames of frame_us: capacity JITTER_AHEAD_MS, end after
 * JITTER_END_AFTER_MS, JITTER_TIME_TOLERANCE_US (never above half a frame).
 */
struct jitter_config jitter_default_config(uint32_t frame_us, size_t max_frame_bytes);

/* What jitter_put did with a frame. */
enum jitter_put_result {
	JITTER_ACCEPTED,
	JITTER_DUPLICATE,     /* that slot already holds a frame */
	JITTER_LATE,          /* its slot was handed out (or passed) already */
	JITTER_TOO_FAR_AHEAD, /* beyond capacity: no room until the slots before it play */
	JITTER_OVERSIZED,     /* longer than max_frame_bytes */
	JITTER_BAD_TIME,      /* its capture time does not match its sequence number */
	JITTER_OVER,          /* the stream ended: jitter_reset before a new one */
};

/* What jitter_pop hands out. */
enum jitter_pop_result {
	JITTER_IDLE,     /* no frame yet: the stream has not started */
	JITTER_NOT_DUE,  /* the next slot's time has not come */
	JITTER_FRAME,    /* the next slot, with its frame: decode it */
	JITTER_MISSING,  /* the next slot, no frame came: conceal it */
	JITTER_PASSED,   /* the next slot's whole time passed before it was asked for: skip it */
	JITTER_ENDED,    /* no frame for end_after slots: the stream is over */
};

/* What happened to a stream's frames and slots. */
struct jitter_stats {
	uint64_t accepted;      /* frames taken */
	uint64_t reordered;     /* of those, taken after a frame with a later sequence number */
	uint64_t duplicate;     /* refused: JITTER_DUPLICATE */
	uint64_t late;          /* refused: JITTER_LATE (arrived after their slot) */
	uint64_t too_far_ahead; /* refused: JITTER_TOO_FAR_AHEAD */
	uint64_t oversized;     /* refused: JITTER_OVERSIZED */
	uint64_t bad_time;      /* refused: JITTER_BAD_TIME */
	uint64_t played;        /* slots handed out with their frame */
	uint64_t concealed;     /* slots handed out missing (lost or still to come) */
	uint64_t passed;        /* slots skipped, their time gone */
	uint64_t expired;       /* of those, with a frame that was held (arrived, never played) */
};

/* A slot handed out. bytes point into the buffer: valid until the next jitter_put or jitter_pop. */
struct jitter_slot {
	uint32_t seq;
	uint64_t capture_us;  /* when it was captured (its frame's time, or where the timeline puts it) */
	const uint8_t *bytes; /* JITTER_FRAME only; else NULL */
	size_t len;
};

struct jitter;

/* A new, empty buffer, or NULL (bad config: frame_us, capacity or end_after 0; no memory). */
struct jitter *jitter_new(const struct jitter_config *config);
void jitter_free(struct jitter *jb);
/* Empties it for a new stream; counters are kept. */
void jitter_reset(struct jitter *jb);

/* Offers a frame (seq, captured at capture_us) at play time play_us; bytes are copied. */
enum jitter_put_result jitter_put(struct jitter *jb, uint64_t play_us, uint32_t seq,
                                  uint64_t capture_us, const uint8_t *bytes, size_t len);

/*
 * The next slot, if its time has come by play_us (see the rules). On
 * JITTER_FRAME, JITTER_MISSING and JITTER_PASSED the slot is consumed and
 * described in *slot; call again until JITTER_NOT_DUE to catch up.
 */
enum jitter_pop_result jitter_pop(struct jitter *jb, uint64_t play_us, struct jitter_slot *slot);

/* The capture time of the next slot, when the stream has started (for a timer). */
bool jitter_next_due(const struct jitter *jb, uint64_t *capture_us);

/* Frames held now. */
size_t jitter_held(const struct jitter *jb);
struct jitter_stats jitter_stats(const struct jitter *jb);

const char *jitter_put_result_name(enum jitter_put_result r);

#endif
