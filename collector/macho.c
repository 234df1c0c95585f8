/* macho.c - universal (fat) and thin Mach-O headers and load commands.
 *
 * Layouts from <mach-o/fat.h> (fat_header, fat_arch, fat_arch_64: big-endian)
 * and <mach-o/loader.h> (mach_header[_64], load_command,
 * linkedit_data_command for LC_CODE_SIGNATURE, build_version_command).  The
 * code signature itself is codesign.c. */
#include "macho.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAT_MAGIC 0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu
#define MH_MAGIC 0xfeedfaceu
#define MH_MAGIC_64 0xfeedfacfu
#define MH_CIGAM 0xcefaedfeu
#define MH_CIGAM_64 0xcffaedfeu
#define LC_CODE_SIGNATURE 0x1du
#define LC_BUILD_VERSION 0x32u
/* A fat header with more architectures than this is a Java class file (same
 * magic) or garbage; cctools' lipo has no fixed limit, real files hold <= 4. */
#define FAT_MAX_ARCHS 64u
#define MAX_SLICES FAT_MAX_ARCHS

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t rd32(const unsigned char *p, bool swap)
{
    return swap ? be32(p)
                : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

void macho_arch_name(const struct dw_macho_slice *s, char *out, size_t n)
{
    uint32_t sub = s->cpusubtype & DW_CPU_SUBTYPE_MASK;
    if (s->cputype == DW_CPU_TYPE_ARM64)
        snprintf(out, n, "%s", sub == DW_CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64");
    else if (s->cputype == DW_CPU_TYPE_X86_64)
        snprintf(out, n, "x86_64");
    else
        snprintf(out, n, "cpu 0x%x/0x%x", s->cputype, s->cpusubtype);
}

/* Walks the load commands of the thin Mach-O at buf[off..off+size): records
 * the platform and reads the code signature.  0 or -1 with a message. */
static int read_thin(const unsigned char *buf, size_t len, struct dw_macho_slice *s,
                     struct dw_errors *err)
{
    uint64_t off = s->offset, size = s->size;
    if (size < 28) {
        dw_errors_add(err, "offset 0x%llx: Mach-O header truncated (%llu bytes)",
                      (unsigned long long)off, (unsigned long long)size);
        return -1;
    }
    const unsigned char *h = buf + off;
    uint32_t magic = rd32(h, false);
    bool swap = magic == MH_CIGAM || magic == MH_CIGAM_64;
    bool is64 = magic == MH_MAGIC_64 || magic == MH_CIGAM_64;
    if (!swap && magic != MH_MAGIC && magic != MH_MAGIC_64) {
        dw_errors_add(err, "offset 0x%llx: not a Mach-O header (magic 0x%08x)",
                      (unsigned long long)off, magic);
        return -1;
    }
    uint64_t hsize = is64 ? 32 : 28;
    if (size < hsize) {
        dw_errors_add(err, "offset 0x%llx: Mach-O header truncated", (unsigned long long)off);
        return -1;
    }
    uint32_t cputype = rd32(h + 4, swap), cpusub = rd32(h + 8, swap);
    if (s->cputype && (cputype != s->cputype)) {
        dw_errors_add(err, "offset 0x%llx: slice cputype 0x%x differs from the fat header's 0x%x",
                      (unsigned long long)off, cputype, s->cputype);
        return -1;
    }
    s->cputype = cputype;
    s->cpusubtype = cpusub;
    s->filetype = rd32(h + 12, swap);
    uint32_t ncmds = rd32(h + 16, swap), sizeofcmds = rd32(h + 20, swap);
    if (sizeofcmds > size - hsize) {
        dw_errors_add(err, "offset 0x%llx: sizeofcmds %u runs past the slice end (0x%llx)",
                      (unsigned long long)(off + 20), sizeofcmds, (unsigned long long)(off + size));
        return -1;
    }
    uint64_t p = hsize, end = hsize + sizeofcmds;
    for (uint32_t i = 0; i < ncmds; i++) {
        if (end - p < 8) {
            dw_errors_add(err, "offset 0x%llx: load command %u of %u runs past sizeofcmds",
                          (unsigned long long)(off + p), i, ncmds);
            return -1;
        }
        uint32_t cmd = rd32(h + p, swap), cmdsize = rd32(h + p + 4, swap);
        if (cmdsize < 8 || cmdsize > end - p) {
            dw_errors_add(err, "offset 0x%llx: load command %u has cmdsize %u (room: %llu)",
                          (unsigned long long)(off + p), i, cmdsize, (unsigned long long)(end - p));
            return -1;
        }
        if (cmd == LC_BUILD_VERSION && cmdsize >= 24)
            s->platform = rd32(h + p + 8, swap);
        if (cmd == LC_CODE_SIGNATURE) {
            if (cmdsize < 16) {
                dw_errors_add(err, "offset 0x%llx: LC_CODE_SIGNATURE cmdsize %u < 16",
                              (unsigned long long)(off + p), cmdsize);
                return -1;
            }
            if (s->cs.present) {
                dw_errors_add(err, "offset 0x%llx: second LC_CODE_SIGNATURE",
                              (unsigned long long)(off + p));
                return -1;
            }
            uint32_t dataoff = rd32(h + p + 8, swap), datasize = rd32(h + p + 12, swap);
            s->cs.present = true;
            if ((uint64_t)dataoff + datasize > size) {
                dw_errors_add(err,
                              "offset 0x%llx: LC_CODE_SIGNATURE data 0x%x+0x%x runs past the "
                              "slice (size 0x%llx)",
                              (unsigned long long)(off + p), dataoff, datasize,
                              (unsigned long long)size);
                return -1;
            }
            if (codesign_read(buf, len, off, off + dataoff, datasize, &s->cs, err) != 0)
                return -1;
        }
        p += cmdsize;
    }
    return 0;
}

/* Reads the fat header's architecture table into m->slices. */
static int read_fat(const unsigned char *buf, size_t len, struct dw_macho *m, struct dw_errors *err)
{
    bool is64 = be32(buf) == FAT_MAGIC_64;
    uint32_t n = be32(buf + 4);
    size_t entry = is64 ? 32 : 20;
    if (n == 0 || n > FAT_MAX_ARCHS) {
        dw_errors_add(err, "offset 0x4: nfat_arch %u (expected 1..%u)", n, FAT_MAX_ARCHS);
        return -1;
    }
    if ((len - 8) / entry < n) {
        dw_errors_add(err, "offset 0x8: %u fat_arch entries run past the end of the file", n);
        return -1;
    }
    m->slices = xcalloc(n, sizeof *m->slices);
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *a = buf + 8 + i * entry;
        struct dw_macho_slice *s = &m->slices[m->nslices++];
        s->cputype = be32(a);
        s->cpusubtype = be32(a + 4);
        s->offset = is64 ? be64(a + 8) : be32(a + 8);
        s->size = is64 ? be64(a + 16) : be32(a + 12);
        if (s->offset > len || s->size > len - s->offset) {
            dw_errors_add(err,
                          "offset 0x%zx: fat_arch %u: slice 0x%llx+0x%llx runs past the "
                          "end of the file (0x%zx)",
                          8 + i * entry, i, (unsigned long long)s->offset,
                          (unsigned long long)s->size, len);
            return -1;
        }
        if (s->offset < 8 + (uint64_t)n * entry) {
            dw_errors_add(err, "offset 0x%zx: fat_arch %u: slice at 0x%llx overlaps the fat header",
                          8 + i * entry, i, (unsigned long long)s->offset);
            return -1;
        }
        for (uint32_t j = 0; j < i; j++) {
            const struct dw_macho_slice *o = &m->slices[j];
            if (s->offset < o->offset + o->size && o->offset < s->offset + s->size) {
                dw_errors_add(err, "offset 0x%zx: fat_arch %u overlaps fat_arch %u", 8 + i * entry,
                              i, j);
                return -1;
            }
        }
    }
    return 0;
}

enum dw_macho_rc macho_read(const unsigned char *buf, size_t len, struct dw_macho *m,
                            struct dw_errors *err)
{
    memset(m, 0, sizeof *m);
    if (len < 8)
        return DW_MACHO_NOT_MACHO;
    uint32_t be = be32(buf), le = rd32(buf, false);
    if (be == FAT_MAGIC || be == FAT_MAGIC_64) {
        m->fat = true;
        if (read_fat(buf, len, m, err) != 0)
            return DW_MACHO_BAD;
    } else if (le == MH_MAGIC || le == MH_MAGIC_64 || le == MH_CIGAM || le == MH_CIGAM_64) {
        m->slices = xcalloc(1, sizeof *m->slices);
        m->nslices = 1;
        m->slices[0].size = len;
    } else {
        return DW_MACHO_NOT_MACHO;
    }
    for (size_t i = 0; i < m->nslices && i < MAX_SLICES; i++)
        if (read_thin(buf, len, &m->slices[i], err) != 0)
            return DW_MACHO_BAD;
    return DW_MACHO_OK;
}

void macho_free(struct dw_macho *m)
{
    for (size_t i = 0; i < m->nslices; i++)
        codesign_free(&m->slices[i].cs);
    free(m->slices);
    memset(m, 0, sizeof *m);
}
