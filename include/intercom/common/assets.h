/*
 * Files the programs ship with (assets/: the test tone), found at run time
 * from where the executable is: installed, <bindir>/../share/intercom/NAME
 * (make install puts them there); in a build tree, the assets/ directory of
 * the source tree at most three levels above the executable (build/bin,
 * build/san/bin).
 */
#ifndef INTERCOM_ASSETS_H
#define INTERCOM_ASSETS_H

#include <stddef.h>

/* Writes the path of a readable asset NAME into out. 0, or -1 if it is in neither place. */
int assets_find(const char *name, char *out, size_t outlen);

#endif
