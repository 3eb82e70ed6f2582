/* Command-line options of moe-bif subcommands, declared as a table of specs
 * per command. Numbers are parsed strictly (the whole text must be a finite
 * number) and checked against the core's parameter table. Error messages
 * name the option, the value and the valid range.
 */
#ifndef MB_CLI_OPTIONS_H
#define MB_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "../mb_link.h"
#include "../mb_params.h"

typedef enum {
    OPTION_NUMBER,  /* a double, range-checked when param >= 0 */
    OPTION_INTEGER, /* a whole number, range-checked when param >= 0 */
    OPTION_LINK,    /* tanh or erf */
    OPTION_CHOICE,  /* one of the words in choices, separated by '|' */
    OPTION_FLAG,    /* no value */
    OPTION_TEXT     /* any text, checked by the command */
} option_type;

typedef struct {
    const char *name;          /* without the leading dashes */
    option_type type;
    int param;                 /* an mb_param for the range check, or -1 */
    const char *default_value; /* NULL when required, OPTION_OPTIONAL when it may be left out */
    const char *choices;       /* for OPTION_CHOICE */
    const char *help;          /* what the option sets, in which unit */
} option_spec;

/* The default of an option that has none and may be left out. */
#define OPTION_OPTIONAL ""

typedef struct {
    int present;
    const char *text;
    double number;
    mb_link link;
} option_value;

typedef enum {
    PARSE_OK = 0,
    PARSE_HELP = 1,  /* --help was given and the help was printed */
    PARSE_ERROR = 2  /* a message was printed to stderr */
} parse_result;

/* Parses argv against specs into values (one per spec, defaults applied). */
parse_result options_parse(const char *command, const char *summary, const option_spec *specs,
                           int spec_count, int argc, char **argv, option_value *values);

/* Prints the help of a command: its summary and one line per option. */
void options_print_help(FILE *stream, const char *command, const char *summary,
                        const option_spec *specs, int spec_count);

/* Returns 1 when text is a plain decimal number: an optional sign, digits
 * with an optional point, and an optional exponent. */
int options_is_decimal(const char *text);

/* Formats the valid range of a parameter as "[0, 1e+06]" or "(-1, 1)". */
void options_format_range(char *buffer, size_t size, mb_param param);

/* Prints "moe-bif COMMAND: invalid value for --NAME: VALUE is out of range;
 * NAME must be in RANGE" to stderr. */
void options_report_range(const char *command, const char *option, double value, mb_param param);

/* Parses "a,b,c" into values and returns their number. Returns -1, after
 * printing an error that names the option, when an entry is not a decimal
 * number or there are more than max. */
int options_parse_list(const char *command, const char *option, const char *text, double *values, int max);

#endif
