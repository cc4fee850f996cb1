/* settings_directory.h - the table's "directory" (SPEC §7): parsed into a
 * struct directory_conf (sources/source.h). Internal to the settings
 * module. */
#ifndef MAILCONFD_SETTINGS_DIRECTORY_H
#define MAILCONFD_SETTINGS_DIRECTORY_H

#include "settings_json.h"

struct directory_conf;

/* Reads root["directory"] into *out (a new conf, the caller's, also
 * when problems were reported; NULL when absent). Password files are
 * read now. Returns 0, or -1 (reported). */
int settings_directory_parse(struct settings_json *c, json_t *root,
			     struct directory_conf **out);

/* 1 if some source gives domains. */
int settings_directory_gives_domains(const struct directory_conf *d);

#endif
