#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void options_format_range(char *buffer, size_t size, mb_param param)
{
    const mb_param_info_t *info = mb_param_info(param);
    if (info == NULL) {
        snprintf(buffer, size, "?");
        return;
    }
    snprintf(buffer, size, "%c%.15g, %.15g%c", info->min_inclusive ? '[' : '(', info->min,
             info->max, info->max_inclusive ? ']' : ')');
}

void options_report_range(const char *command, const char *option, double value, mb_param param)
{
    char range[96];
    options_format_range(range, sizeof range, param);
    const mb_param_info_t *info = mb_param_info(param);
    fprintf(stderr, "moe-bif %s: invalid value for --%s: %.17g is out of range; %s must be %s%s\n",
            command, option, value, info != NULL ? info->name : option,
            info != NULL && info->integer ? "a whole number in " : "in ", range);
}

void options_print_help(FILE *stream, const char *command, const char *summary,
                        const option_spec *specs, int spec_count)
{
    fprintf(stream, "Usage: moe-bif %s [options]\n\n%s\n\nOptions:\n", command, summary);
    for (int i = 0; i < spec_count; i++) {
        const option_spec *spec = &specs[i];
        char argument[64] = "";
        if (spec->type == OPTION_LINK)
            snprintf(argument, sizeof argument, " tanh|erf");
        else if (spec->type == OPTION_CHOICE)
            snprintf(argument, sizeof argument, " %s", spec->choices);
        else if (spec->type != OPTION_FLAG)
            snprintf(argument, sizeof argument, " X");
        fprintf(stream, "  --%s%s\n      %s", spec->name, argument, spec->help);
        if (spec->param >= 0) {
            char range[96];
            options_format_range(range, sizeof range, (mb_param)spec->param);
            fprintf(stream, " Range %s.", range);
        }
        if (spec->default_value != NULL && spec->default_value[0] == '\0')
            fprintf(stream, " Optional.");
        else if (spec->default_value != NULL)
            fprintf(stream, " Default %s.", spec->default_value);
        else if (spec->type != OPTION_FLAG)
            fprintf(stream, " Required.");
        fputc('\n', stream);
    }
    fprintf(stream, "  --help\n      Print this help and exit.\n");
    fprintf(stream, "\nOutput: JSON on stdout. Errors: a message on stderr and exit status 2 for\n"
                    "invalid options, 1 when the computation fails.\n");
}

static int choice_matches(const char *choices, const char *text)
{
    size_t length = strlen(text);
    const char *start = choices;
    while (*start != '\0') {
        const char *end = strchr(start, '|');
        size_t word = end != NULL ? (size_t)(end - start) : strlen(start);
        if (word == length && strncmp(start, text, length) == 0)
            return 1;
        if (end == NULL)
            break;
        start = end + 1;
    }
    return 0;
}

/* strtod alone would also take hexadecimal, "inf" and "nan", which the page
 * rejects too. */
int options_is_decimal(const char *text)
{
    const char *c = text;
    if (*c == '+' || *c == '-')
        c++;
    int digits = 0;
    while (*c >= '0' && *c <= '9') {
        c++;
        digits++;
    }
    if (*c == '.') {
        c++;
        while (*c >= '0' && *c <= '9') {
            c++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (*c == 'e' || *c == 'E') {
        c++;
        if (*c == '+' || *c == '-')
            c++;
        if (!(*c >= '0' && *c <= '9'))
            return 0;
        while (*c >= '0' && *c <= '9')
            c++;
    }
    return *c == '\0';
}

/* Converts and checks one value; prints the error and returns 0 when invalid. */
static int convert(const char *command, const option_spec *spec, const char *text,
                   option_value *value)
{
    value->text = text;
    if (spec->type == OPTION_LINK) {
        if (mb_link_parse(text, &value->link) != MB_OK) {
            fprintf(stderr, "moe-bif %s: invalid value for --%s: '%s'; expected tanh or erf\n",
                    command, spec->name, text);
            return 0;
        }
        return 1;
    }
    if (spec->type == OPTION_TEXT)
        return 1;
    if (spec->type == OPTION_CHOICE) {
        if (!choice_matches(spec->choices, text)) {
            fprintf(stderr, "moe-bif %s: invalid value for --%s: '%s'; expected one of %s\n",
                    command, spec->name, text, spec->choices);
            return 0;
        }
        return 1;
    }
    char *end = NULL;
    errno = 0;
    double number = strtod(text, &end);
    if (!options_is_decimal(text) || end == text || *end != '\0' || !isfinite(number)) {
        fprintf(stderr, "moe-bif %s: invalid value for --%s: '%s' is not a decimal number\n",
                command, spec->name, text);
        return 0;
    }
    if (spec->type == OPTION_INTEGER && number != floor(number)) {
        fprintf(stderr, "moe-bif %s: invalid value for --%s: '%s' is not a whole number\n",
                command, spec->name, text);
        return 0;
    }
    if (spec->param >= 0 && mb_param_check((mb_param)spec->param, number) != MB_OK) {
        options_report_range(command, spec->name, number, (mb_param)spec->param);
        return 0;
    }
    value->number = number;
    return 1;
}

parse_result options_parse(const char *command, const char *summary, const option_spec *specs,
                           int spec_count, int argc, char **argv, option_value *values)
{
    for (int i = 0; i < spec_count; i++) {
        values[i].present = 0;
        values[i].text = NULL;
        values[i].number = NAN;
        values[i].link = MB_LINK_TANH;
    }

    for (int a = 0; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            options_print_help(stdout, command, summary, specs, spec_count);
            return PARSE_HELP;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "moe-bif %s: unexpected argument '%s'; options start with --. "
                            "See 'moe-bif %s --help'.\n", command, arg, command);
            return PARSE_ERROR;
        }
        const char *name = arg + 2;
        const char *inline_value = strchr(name, '=');
        size_t name_length = inline_value != NULL ? (size_t)(inline_value - name) : strlen(name);
        int index = -1;
        for (int i = 0; i < spec_count; i++)
            if (strlen(specs[i].name) == name_length && strncmp(specs[i].name, name, name_length) == 0)
                index = i;
        if (index < 0) {
            fprintf(stderr, "moe-bif %s: unknown option '--%.*s'. See 'moe-bif %s --help'.\n",
                    command, (int)name_length, name, command);
            return PARSE_ERROR;
        }
        const option_spec *spec = &specs[index];
        if (values[index].present) {
            fprintf(stderr, "moe-bif %s: option --%s is given twice\n", command, spec->name);
            return PARSE_ERROR;
        }
        values[index].present = 1;
        if (spec->type == OPTION_FLAG) {
            if (inline_value != NULL) {
                fprintf(stderr, "moe-bif %s: option --%s takes no value\n", command, spec->name);
                return PARSE_ERROR;
            }
            continue;
        }
        const char *text = inline_value != NULL ? inline_value + 1 : NULL;
        if (text == NULL) {
            if (a + 1 >= argc) {
                fprintf(stderr, "moe-bif %s: missing value after --%s\n", command, spec->name);
                return PARSE_ERROR;
            }
            text = argv[++a];
        }
        if (!convert(command, spec, text, &values[index]))
            return PARSE_ERROR;
    }

    for (int i = 0; i < spec_count; i++) {
        if (values[i].present || specs[i].type == OPTION_FLAG)
            continue;
        if (specs[i].default_value != NULL && specs[i].default_value[0] == '\0')
            continue;
        if (specs[i].default_value == NULL) {
            fprintf(stderr, "moe-bif %s: missing required option --%s. See 'moe-bif %s --help'.\n",
                    command, specs[i].name, command);
            return PARSE_ERROR;
        }
        if (!convert(command, &specs[i], specs[i].default_value, &values[i]))
            return PARSE_ERROR;
    }
    return PARSE_OK;
}

/* Parses "a,b,c" into values and returns their number. Returns -1, after
 * printing an error that names the option, when an entry is not a decimal
 * number or there are more than max. */
int options_parse_list(const char *command, const char *option, const char *text, double *values, int max)
{
    int count = 0;
    const char *start = text;
    for (;;) {
        const char *end = strchr(start, ',');
        size_t length = end != NULL ? (size_t)(end - start) : strlen(start);
        /* Spaces around an entry are allowed, as in "0.05, 0". */
        while (length > 0 && *start == ' ') {
            start++;
            length--;
        }
        while (length > 0 && start[length - 1] == ' ')
            length--;
        char entry[64];
        if (length == 0 || length >= sizeof entry) {
            fprintf(stderr, "moe-bif %s: invalid value for --%s: '%s'; expected numbers separated by commas\n",
                    command, option, text);
            return -1;
        }
        memcpy(entry, start, length);
        entry[length] = '\0';
        if (count == max) {
            fprintf(stderr, "moe-bif %s: invalid value for --%s: more than %d values\n", command, option, max);
            return -1;
        }
        char *stop = NULL;
        double value = strtod(entry, &stop);
        if (!options_is_decimal(entry) || *stop != '\0' || !isfinite(value)) {
            fprintf(stderr, "moe-bif %s: invalid value for --%s: '%s' is not a decimal number\n", command,
                    option, entry);
            return -1;
        }
        values[count++] = value;
        if (end == NULL)
            break;
        start = end + 1;
    }
    return count;
}
