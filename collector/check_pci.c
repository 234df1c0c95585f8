/* check_pci.c - PCI match strings as IOPCIFamily reads them.
 *
 * IOPCIFamily (IOPCIBridge.cpp, IOPCIBridge::matchKeys) walks a match string
 * with the kernel's strtoul(…, 16): a value, optional spaces, an optional
 * "&mask" (else the key's default mask), and compares (value & mask) with
 * (config register & mask); the next term starts where strtoul stopped, and
 * the walk ends at the first text that is not a number.  strtoul returns an
 * unsigned long (64 bits), stored in a UInt32: extra digits are lost.
 * IOPCIPrimaryMatch and IOPCIMatch compare register 0x00 (device id << 16 |
 * vendor id), IOPCISecondaryMatch register 0x2c (subsystem), with mask
 * 0xffffffff; IOPCIClassMatch register 0x08 (class code << 8 | revision)
 * with mask 0xffffff00. */
#include <ctype.h>

#include "check.h"

static int hex_value(int ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : (tolower(ch) - 'a' + 10);
}

/* strtoul(s, &end, 16) as the kernel's libkern does it; *digits counts the
 * hex digits after an optional 0x; *overflow when the number exceeds 32 bits. */
static uint64_t hex_strtoul(const char *s, const char **end, int *digits, bool *overflow)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
        p += 2;
    const char *d = p;
    uint64_t v = 0;
    bool big = false;
    while (isxdigit((unsigned char)*p)) {
        if (v >> 60)
            big = true;
        v = v * 16 + (uint64_t)hex_value((unsigned char)*p);
        p++;
    }
    *digits = (int)(p - d);
    if (p == d) {
        *end = s;
        return 0;
    }
    *end = p;
    *overflow = big || v > UINT32_MAX;
    return v;
}

size_t pci_parse_match(const char *s, uint32_t default_mask, struct dw_pci_term *terms,
                       const char **rest)
{
    size_t n = 0;
    const char *keys = s, *next;
    while (n < DW_PCI_MAX_TERMS) {
        struct dw_pci_term t = {.mask = default_mask};
        int digits;
        bool big = false;
        uint64_t value = hex_strtoul(keys, &next, &digits, &big);
        if (next == keys)
            break;
        t.value = (uint32_t)value;
        t.truncated = big;
        while (*next == ' ')
            next++;
        if (*next == '&') {
            bool mbig = false;
            t.mask = (uint32_t)hex_strtoul(next + 1, &next, &t.mask_digits, &mbig);
            t.has_mask = true;
            t.truncated = t.truncated || mbig;
        }
        terms[n++] = t;
        keys = next;
    }
    *rest = keys;
    return n;
}

bool pci_terms_match(const struct dw_pci_term *terms, size_t n, uint32_t reg)
{
    for (size_t i = 0; i < n; i++)
        if ((terms[i].value & terms[i].mask) == (reg & terms[i].mask))
            return true;
    return false;
}

bool pci_term_covers(const struct dw_pci_term *cover, const struct dw_pci_term *t)
{
    /* every register t matches agrees with t on t's mask; cover must test
     * only bits inside t's mask, with the same values there */
    return (cover->mask & ~t->mask) == 0 &&
           (t->value & cover->mask) == (cover->value & cover->mask);
}
