#include "json.h"

#include <math.h>

void json_begin(json_writer *writer, FILE *stream)
{
    writer->stream = stream;
    writer->depth = 0;
    writer->need_comma[0] = 0;
}

/* Writes the comma before a value unless it follows a key or opens a container. */
static void separate(json_writer *writer)
{
    if (writer->need_comma[writer->depth])
        fputc(',', writer->stream);
    writer->need_comma[writer->depth] = 1;
}

static void open_container(json_writer *writer, char bracket)
{
    separate(writer);
    fputc(bracket, writer->stream);
    if (writer->depth + 1 < JSON_MAX_DEPTH)
        writer->depth++;
    writer->need_comma[writer->depth] = 0;
}

static void close_container(json_writer *writer, char bracket)
{
    fputc(bracket, writer->stream);
    if (writer->depth > 0)
        writer->depth--;
}

void json_object_begin(json_writer *writer) { open_container(writer, '{'); }
void json_object_end(json_writer *writer) { close_container(writer, '}'); }
void json_array_begin(json_writer *writer) { open_container(writer, '['); }
void json_array_end(json_writer *writer) { close_container(writer, ']'); }

void json_key(json_writer *writer, const char *key)
{
    json_string(writer, key);
    fputc(':', writer->stream);
    writer->need_comma[writer->depth] = 0;
}

void json_number(json_writer *writer, double value)
{
    separate(writer);
    if (isfinite(value))
        fprintf(writer->stream, "%.17g", value);
    else
        fputs("null", writer->stream);
}

void json_integer(json_writer *writer, long value)
{
    separate(writer);
    fprintf(writer->stream, "%ld", value);
}

void json_string(json_writer *writer, const char *value)
{
    separate(writer);
    fputc('"', writer->stream);
    for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(writer->stream, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(writer->stream, "\\u%04x", *c);
        else
            fputc(*c, writer->stream);
    }
    fputc('"', writer->stream);
}

void json_bool(json_writer *writer, int value)
{
    separate(writer);
    fputs(value ? "true" : "false", writer->stream);
}

void json_end(json_writer *writer)
{
    fputc('\n', writer->stream);
    fflush(writer->stream);
}
