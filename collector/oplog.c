/* oplog.c - messages for the operator (oplog.h). */
#include "oplog.h"

#include <stdarg.h>

void oplog_say(const struct dw_oplog *l, const char *fmt, ...)
{
    if (!l || !l->fn)
        return;
    struct dw_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    l->fn(l->ctx, buf_cstr(&b));
    buf_free(&b);
}

void oplog_errors(const struct dw_oplog *l, const char *prefix, struct dw_errors *e)
{
    for (size_t i = 0; i < e->n; i++)
        oplog_say(l, "%s%s", prefix, e->msgs[i]);
    dw_errors_clear(e);
}
