/* cli.h — the command line on top of the engine. */
#ifndef TALLY_CLI_H
#define TALLY_CLI_H

/* Runs `tally ARGS...`; returns the exit status (0, 1, 2, 3, or 128 + signal). */
int tally_cli_main(int argc, char **argv);

#endif
