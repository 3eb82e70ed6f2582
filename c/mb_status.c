#include "mb_status.h"

const char *mb_status_string(mb_status status)
{
    switch (status) {
    case MB_OK: return "success";
    case MB_ERR_NULL_POINTER: return "required pointer is NULL";
    case MB_ERR_INVALID_ENUM: return "invalid enum value";
    case MB_ERR_OUT_OF_RANGE: return "parameter out of range";
    case MB_ERR_NO_MEMORY: return "out of memory";
    case MB_ERR_NO_CONVERGENCE: return "iteration did not converge";
    case MB_ERR_MAX_STEPS: return "step limit reached";
    case MB_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case MB_ERR_EMPTY_INTERVAL: return "empty interval: from must be less than to";
    case MB_ERR_LENGTH_MISMATCH: return "array has the wrong number of values";
    case MB_ERR_MEMORY_LIMIT: return "run would exceed the memory limit";
    case MB_ERR_FINISHED: return "run has taken all its steps";
    case MB_ERR_PARSE: return "malformed input data";
    case MB_ERR_DIVERGED: return "training diverged: the loss is not finite";
    }
    return "unknown status";
}
