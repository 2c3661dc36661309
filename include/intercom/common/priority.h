/*
 * A page's priority: normal < high < emergency. A page never cuts off one of
 * higher priority on a speaker; emergency also plays through the mute.
 */
#ifndef INTERCOM_PRIORITY_H
#define INTERCOM_PRIORITY_H

enum priority { PRIORITY_NORMAL = 0, PRIORITY_HIGH = 1, PRIORITY_EMERGENCY = 2 };

const char *priority_name(enum priority p);            /* "normal", "high", "emergency" */
int priority_parse(const char *s, enum priority *out); /* 0, or -1 for an unknown word */

#endif
