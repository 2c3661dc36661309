/* include/intercom/common/priority.h — a page's priority: normal < high < emergency. */
enum priority { PRIORITY_NORMAL = 0, PRIORITY_HIGH = 1, PRIORITY_EMERGENCY = 2 };
const char *priority_name(enum priority p);            /* "normal", "high", "emergency" */
int priority_parse(const char *s, enum priority *out); /* 0, or -1 for an unknown word */
