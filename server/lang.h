/* lang.h - the languages of the human-facing answers (the setup page,
 * profile texts, error pages): one list, read by the request parser, the
 * pages and the renderers. */
#ifndef MAILCONFD_LANG_H
#define MAILCONFD_LANG_H

enum lang { LANG_EN, LANG_DE, LANG_COUNT };

/* "de" -> LANG_DE; anything else (NULL too) LANG_EN. */
enum lang lang_of(const char *code);

/* The language's code: "en", "de". */
const char *lang_code(enum lang l);

#endif
