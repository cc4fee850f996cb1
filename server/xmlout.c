/* xmlout.c - a libxml2 text writer that writes into a struct buf. */
#include "xmlout.h"

#include <stdio.h>

static int xmlout_write(void *ctx, const char *p, int len)
{
	struct buf *b = ctx;

	if (len < 0 || buf_append(b, p, (size_t)len) < 0)
		return -1;
	return len;
}

static xmlTextWriterPtr writer_new(struct buf *out, int declaration);

xmlTextWriterPtr xmlout_new(struct buf *out)
{
	return writer_new(out, 1);
}

xmlTextWriterPtr xmlout_new_fragment(struct buf *out)
{
	return writer_new(out, 0);
}

static xmlTextWriterPtr writer_new(struct buf *out, int declaration)
{
	xmlOutputBufferPtr ob; /* owned by the writer once created */
	xmlTextWriterPtr w;

	ob = xmlOutputBufferCreateIO(xmlout_write, NULL, out, NULL);
	if (ob == NULL)
		return NULL;
	w = xmlNewTextWriter(ob);
	if (w == NULL) {
		xmlOutputBufferClose(ob);
		return NULL;
	}
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    (declaration &&
	     xmlTextWriterStartDocument(w, "1.0", "utf-8", NULL) < 0)) {
		xmlFreeTextWriter(w);
		return NULL;
	}
	return w;
}

int xmlout_finish(xmlTextWriterPtr w, int rc)
{
	if (w == NULL)
		return -1;
	if (rc >= 0 && xmlTextWriterEndDocument(w) < 0)
		rc = -1;
	if (rc >= 0 && xmlTextWriterFlush(w) < 0)
		rc = -1;
	xmlFreeTextWriter(w);
	return rc < 0 ? -1 : 0;
}

int xmlout_element(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
}

int xmlout_element_uint(xmlTextWriterPtr w, const char *name, unsigned n)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", n);
	return xmlout_element(w, name, num);
}
