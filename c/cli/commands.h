/* Subcommands of moe-bif that live outside main.c. Each takes the
 * arguments after its name and returns the process exit status. */
#ifndef MB_CLI_COMMANDS_H
#define MB_CLI_COMMANDS_H

int run_simulate(int argc, char **argv);
int run_train(int argc, char **argv);
int run_sweep(int argc, char **argv);

/* argv[0] of the tool, for paths relative to it. */
extern const char *cli_program;

#endif
