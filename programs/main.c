/* main.c — the tally executable: everything is in cli.c and the engine. */
#include "cli.h"

int main(int argc, char **argv)
{
    return tally_cli_main(argc, argv);
}
