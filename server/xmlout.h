/* xmlout.h - a libxml2 text writer that writes into a struct buf.
 *
 * All XML that mailconfd sends is written through this (never by string
 * concatenation), so every value is escaped by libxml2. */
#ifndef MAILCONFD_XMLOUT_H
#define MAILCONFD_XMLOUT_H

#include <libxml/xmlwriter.h>

#include "buf.h"

/* Returns a writer, indenting by two spaces, whose output is appended to
 * out; the XML declaration (version 1.0, encoding utf-8) is written.
 * NULL when out of memory. Free it with xmlout_finish(). */
xmlTextWriterPtr xmlout_new(struct buf *out);

/* Like xmlout_new() but without the XML declaration: for a fragment such
 * as inline SVG in an HTML page. */
xmlTextWriterPtr xmlout_new_fragment(struct buf *out);

/* Closes every open element, flushes into the buffer and frees w.
 * rc is the caller's status so far; returns 0 if it and the writer
 * succeeded, else -1. NULL-safe. */
int xmlout_finish(xmlTextWriterPtr w, int rc);

/* Writes <name>text</name>. Returns >= 0 or -1. */
int xmlout_element(xmlTextWriterPtr w, const char *name, const char *text);

/* Writes <name>n</name> for an unsigned number. */
int xmlout_element_uint(xmlTextWriterPtr w, const char *name, unsigned n);

#endif
