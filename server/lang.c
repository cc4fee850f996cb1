/* lang.c - the languages' codes (lang.h). */
#include "lang.h"

#include <string.h>

static const char *const codes[LANG_COUNT] = {
    [LANG_EN] = "en", [LANG_DE] = "de"};

enum lang lang_of(const char *code)
{
	return code != NULL && strcmp(code, "de") == 0 ? LANG_DE : LANG_EN;
}

const char *lang_code(enum lang l)
{
	return l >= 0 && l < LANG_COUNT ? codes[l] : codes[LANG_EN];
}
