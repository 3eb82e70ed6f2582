/* Subcommands of moe-bif that live outside main.c. Each takes the
 * arguments after its name and returns the process exit status. */
#ifndef MB_CLI_COMMANDS_H
#define MB_CLI_COMMANDS_H

int run_simulate(int argc, char **argv);

#endif
