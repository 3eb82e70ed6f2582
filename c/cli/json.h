/* A minimal streaming JSON writer for the command-line tool.
 *
 * The caller emits keys and values in order; the writer inserts commas.
 * Numbers are written with 17 significant digits so that they read back to
 * the same double; NaN and infinities are written as null.
 */
#ifndef MB_CLI_JSON_H
#define MB_CLI_JSON_H

#include <stdio.h>

#define JSON_MAX_DEPTH 16

typedef struct {
    FILE *stream;
    int depth;
    int need_comma[JSON_MAX_DEPTH];
} json_writer;

void json_begin(json_writer *writer, FILE *stream);
void json_object_begin(json_writer *writer);
void json_object_end(json_writer *writer);
void json_array_begin(json_writer *writer);
void json_array_end(json_writer *writer);
void json_key(json_writer *writer, const char *key);
void json_number(json_writer *writer, double value);
void json_integer(json_writer *writer, long value);
void json_string(json_writer *writer, const char *value);
void json_bool(json_writer *writer, int value);
/* Ends the document with a newline. */
void json_end(json_writer *writer);

#endif
