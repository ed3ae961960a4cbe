/* pcapng_view.h — one link type's share of a pcapng file, for libpcap.
 *
 * libpcap 1.10 reads one link type per pcapng file: it stops at the first
 * interface whose type differs from the first one's. Wireshark writes such
 * files when it captures on several interfaces at once (Ethernet and the
 * loopback adapter, Ethernet and a VPN's tunnel). This module finds the link
 * types a file describes before its first packet, and opens a view of the
 * file that holds only one type's interfaces, renumbered from 0, and their
 * packet and statistics blocks, as a stdio stream that libpcap reads like
 * any pcapng file; capture.c reads one view per type and merges their
 * packets in time order.
 *
 * Every other block (section headers, name resolution, secrets, custom) is
 * passed on unchanged, so each view is a valid pcapng file. Bytes it cannot
 * parse as blocks are passed on raw from there, so libpcap reports the
 * damage as it would in the whole file. It does not read pcap files or
 * decode packets.
 */
#ifndef RASFLOW_PCAPNG_VIEW_H
#define RASFLOW_PCAPNG_VIEW_H

#include <stdint.h>
#include <stdio.h>

#define RASFLOW_PCAPNG_MAX_TYPES 8	/* link types (views) of one file, at most */

/* The distinct link types of the interfaces that the first section of the
 * pcapng file f describes before its first packet, in order of first
 * appearance; returns how many (at most RASFLOW_PCAPNG_MAX_TYPES: later ones
 * are not listed). 0 when f is not pcapng or the blocks cannot be parsed.
 * Reads f from where it stands; does not rewind it. */
int rasflow_pcapng_link_types(FILE *f, int types[RASFLOW_PCAPNG_MAX_TYPES]);

/* Counts of one view, kept by the caller and updated as the view is read. */
struct rasflow_pcapng_view_stats {
	uint64_t unread;	/* packet blocks of interfaces whose link type no view reads */
};

/* A stream over src (at its start and not read yet: its stdio buffer is
 * set here; owned: fclose of the stream closes it) that reads as the pcapng file of src's interfaces of link type
 * `type` only. types[0..ntypes) are the types that views of this file read;
 * with st non-NULL, packet blocks of an interface of any other type (one
 * described after the first packet) are counted there: give st to one view
 * of a file only. NULL with errno set when the stream cannot be made (src is
 * then not closed). */
FILE *rasflow_pcapng_view_open(FILE *src, int type, const int *types, int ntypes,
			       struct rasflow_pcapng_view_stats *st);

#endif
