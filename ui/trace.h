/* Latency trace for the benchmark.  With MKT_TRACE=FILE set, mkt appends
 * to FILE, one write per line, tab-separated:
 *
 *	frame	first	US		after the first frame, US since
 *					trace_clock_start()
 *	key	NAME	COMMAND	US	N	per batch of N keys, US from input
 *					to the end of the frame after it
 *
 * NAME is the batch's first key as key_describe() names it, COMMAND the
 * command line its binding ran, or "-" when it had none (typed into a
 * prompt).  Times are CLOCK_MONOTONIC; a key's clock starts when poll(2)
 * sees input, and for the key that quits stops at endwin().
 * Without MKT_TRACE each hook below costs one branch.  No curses here:
 * src/main.c calls trace_clock_start(). */
#ifndef MKT_TRACE_H
#define MKT_TRACE_H

#include <stdbool.h>
#include <stddef.h>

extern int	 trace_fd;	/* -1 while tracing is off */

/* Takes the process's start, for "frame first": first thing in main(). */
void		 trace_clock_start(void);

/* Opens $MKT_TRACE when set.  Returns 0, or -1 with a message. */
int		 trace_open(char *err, size_t errlen);
/* Writes a batch still waiting for its frame (the one that quit), then
 * closes the file. */
void		 trace_close(void);

void		 trace_input_(void);
void		 trace_key_(int key);
void		 trace_command_(const char *command);
void		 trace_frame_(void);

/* poll(2) is back; with keys waiting, the batch's clock starts if it is
 * not running yet. */
static inline void
trace_input(bool keys_waiting)
{
	if (trace_fd >= 0 && keys_waiting)
		trace_input_();
}

/* A key of the batch was read; the first names the batch. */
static inline void
trace_key(int key)
{
	if (trace_fd >= 0)
		trace_key_(key);
}

/* The command the key being dispatched resolved to (NULL for none). */
static inline void
trace_command(const char *command)
{
	if (trace_fd >= 0)
		trace_command_(command);
}

/* The frame is on the terminal: the batch's clock stops. */
static inline void
trace_frame(void)
{
	if (trace_fd >= 0)
		trace_frame_();
}

#endif
