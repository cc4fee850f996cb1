/* qr.h - QR codes as inline SVG (libqrencode for the symbol, libxml2's
 * writer for the SVG), and the payloads the setup page puts in them. */
#ifndef MAILCONFD_QR_H
#define MAILCONFD_QR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "render.h"

/* Appends an <svg> element (no XML declaration) showing data[0..len) as a
 * QR code, error correction L, 4 modules of quiet zone, scale px per
 * module. Returns 0 or -1 (too long for a QR code, or out of memory). */
int qr_svg(struct buf *out, const char *data, size_t len, unsigned scale);

struct bytecache;

/* As qr_svg(), through the cache c (NULL: none): the SVG kept for this
 * scale and data, else drawn and kept; *vhash (if not NULL) its
 * hash_bytes() (bytecache_fetch()). */
int qr_svg_cached(struct bytecache *c, struct buf *out, const char *data,
		  size_t len, unsigned scale, uint64_t *vhash);

/* Appends Thunderbird for Android's account import payload (format 1,
 * thunderbird-android feature/migration/qrcode/qr-code-format.md) for
 * in->addr: the preferred incoming and outgoing servers, no password,
 * display_name (may be ""). Returns 0, 1 when the format cannot carry the
 * account (it takes plain ASCII dot-atom addresses only), or -1. */
int qr_thunderbird_payload(struct buf *out, const struct render_input *in,
			   const char *display_name);

#endif
