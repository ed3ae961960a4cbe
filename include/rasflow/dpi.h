/* dpi.h — application-protocol detection with nDPI, behind one small API.
 *
 * dpi.c is the only file that includes nDPI's headers (Debian 12 ships nDPI
 * 4.2, whose API differs from current releases). Each flow is fed to nDPI
 * as ndpiReader 4.2 feeds it, except TCP packets without payload, which do
 * not change nDPI's answer for a flow with data: until nDPI detects a
 * protocol and wants no more packets for it (TLS certificate, DNS answer...),
 * a packet limit is reached or the TCP connection is closed; then give-up is
 * called if needed and the flow's nDPI state is freed at once, so memory
 * stays bounded however many flows there are. Packets after that cost
 * nothing. A TCP flow gets nDPI state with its first payload; until then it
 * holds only a slot, with the answer nDPI gives up with after its first
 * packet (a port or address guess). The number of flows holding a slot at
 * the same time is capped; flows over the cap are counted and go
 * undetected, and flows that begin without payload (SYNs) get a slot only
 * while the cap is less than half used.
 *
 * This module does not decide verdicts: it fills flow->app_* and reports
 * server names (TLS SNI, HTTP Host, DNS answers) through a callback.
 */
#ifndef RASFLOW_DPI_H
#define RASFLOW_DPI_H

#include <stddef.h>
#include <stdint.h>

#include "rasflow/addr.h"
#include "rasflow/decode.h"
#include "rasflow/flow.h"

/* flow->app_state values */
enum { RASFLOW_APP_NONE = 0, RASFLOW_APP_GUESSED = 1, RASFLOW_APP_DETECTED = 2 };

struct rasflow_dpi_opts {
	unsigned max_packets;	/* TCP (and other) packets fed per flow before giving up */
	unsigned max_packets_udp; /* the same for UDP flows */
	size_t max_states;	/* flows holding a slot (nDPI state or a SYN's answer) at once */
	/* A server name seen in a flow: TLS SNI or HTTP Host for the
	 * responder's address, or a DNS answer (name -> address). `since` is
	 * the flow's first packet time. May be NULL. */
	void (*on_name)(void *user, const struct rasflow_addr *addr, const char *name,
			rasflow_ts since);
	void *user;
};

struct rasflow_dpi_stats {
	uint64_t flows;		/* flows that got a slot */
	uint64_t detected;	/* ... detected by inspection */
	uint64_t guessed;	/* ... only guessed at give-up (port, address) */
	uint64_t unknown;	/* ... nothing at all */
	uint64_t skipped;	/* flows that got no slot: max_states reached */
	uint64_t packets;	/* packets fed to nDPI */
	size_t active, peak;	/* flows holding a slot now / at most */
	size_t state_size;	/* bytes of one nDPI flow state */
};

struct rasflow_dpi;

void rasflow_dpi_default_opts(struct rasflow_dpi_opts *o);
struct rasflow_dpi *rasflow_dpi_new(const struct rasflow_dpi_opts *o);
void rasflow_dpi_free(struct rasflow_dpi *d);

/* nDPI's version string, e.g. "4.2.0". */
const char *rasflow_dpi_version(void);

/* Flow hooks, called by the owner of the flow table's hooks. */
void rasflow_dpi_flow_new(struct rasflow_dpi *d, struct rasflow_flow *f);
void rasflow_dpi_flow_packet(struct rasflow_dpi *d, struct rasflow_flow *f,
			     const struct rasflow_pkt *p, int dir, rasflow_ts ts);
/* Gives up on a flow still under inspection and frees its state. */
void rasflow_dpi_flow_end(struct rasflow_dpi *d, struct rasflow_flow *f);

/* "TLS", "TLS.Microsoft", "RDP"...; NULL when unknown. buf holds the name. */
const char *rasflow_dpi_app_name(const struct rasflow_dpi *d, uint16_t master, uint16_t proto,
				 char *buf, size_t len);

/* True if an nDPI name (as above, "MASTER.APP" or "APP") is one of the
 * '|'-separated names in `expected`; either part of a dotted name counts. */
int rasflow_dpi_name_matches(const char *name, const char *expected);

/* Risk flags of a flow as a comma list of nDPI risk names into buf. */
const char *rasflow_dpi_risk_str(uint64_t risk, char *buf, size_t len);

const struct rasflow_dpi_stats *rasflow_dpi_stats(const struct rasflow_dpi *d);

#endif
