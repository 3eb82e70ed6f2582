/* Status codes returned by every fallible call of the core.
 *
 * The core never prints, exits or aborts: each failure is reported as one of
 * these codes, and the caller turns it into a message with mb_status_string().
 * Unless a function documents otherwise, its output arguments are unspecified
 * after a non-zero status and must not be used.
 */
#ifndef MB_STATUS_H
#define MB_STATUS_H

typedef enum {
    MB_OK = 0,
    MB_ERR_NULL_POINTER = 1,    /* a required pointer argument was NULL */
    MB_ERR_INVALID_ENUM = 2,    /* a link, parameter or mode id outside its enum */
    MB_ERR_OUT_OF_RANGE = 3,    /* a parameter was NaN, infinite or outside its range */
    MB_ERR_NO_MEMORY = 4,       /* an allocation failed */
    MB_ERR_NO_CONVERGENCE = 5,  /* an iteration did not reach its tolerance */
    MB_ERR_MAX_STEPS = 6,       /* an integrator or continuation hit its step limit */
    MB_ERR_BUFFER_TOO_SMALL = 7, /* an output buffer cannot hold the result */
    MB_ERR_EMPTY_INTERVAL = 8,   /* an interval [from, to] with from >= to */
    MB_ERR_LENGTH_MISMATCH = 9,  /* an array with the wrong number of values */
    MB_ERR_MEMORY_LIMIT = 10,    /* a run would exceed its memory limit */
    MB_ERR_FINISHED = 11,        /* the run has taken all its steps */
    MB_ERR_PARSE = 12,           /* input data is malformed */
    MB_ERR_DIVERGED = 13         /* training produced a loss that is not finite */
} mb_status;

/* Returns a static, lower-case description of the status, for example
 * "parameter out of range". Unknown codes give "unknown status". */
const char *mb_status_string(mb_status status);

#endif
