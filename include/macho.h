/* macho.h - Mach-O files (thin or universal) and their embedded code
 * signatures, read from the public definitions:
 *   <mach-o/fat.h> and <mach-o/loader.h> (xnu EXTERNAL_HEADERS/mach-o),
 *   xnu osfmk/kern/cs_blobs.h (SuperBlob, CodeDirectory, slots, flags).
 *
 * The reader works on a buffer in memory that it never writes to and never
 * keeps: every string and blob it returns is a copy.  A bundle is
 * attacker-controlled, so every offset, size and count is checked against the
 * buffer before it is used; a violation is an error naming the file offset,
 * never a read out of bounds.  Like the log reader, this stage knows nothing
 * of rules or incidents. */
#ifndef DW_MACHO_H
#define DW_MACHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* <mach/machine.h> */
#define DW_CPU_TYPE_X86_64 0x01000007u
#define DW_CPU_TYPE_ARM64 0x0100000cu
#define DW_CPU_SUBTYPE_ARM64E 2u
#define DW_CPU_SUBTYPE_MASK 0x00ffffffu

/* cs_blobs.h: CodeDirectory flags and hash types */
#define DW_CS_ADHOC 0x00000002u
#define DW_CS_HARD 0x00000100u
#define DW_CS_KILL 0x00000200u
#define DW_CS_RUNTIME 0x00010000u
#define DW_CS_LINKER_SIGNED 0x00020000u
#define DW_CS_HASHTYPE_SHA1 1
#define DW_CS_HASHTYPE_SHA256 2
#define DW_CS_HASHTYPE_SHA256_TRUNCATED 3
#define DW_CS_HASHTYPE_SHA384 4
#define DW_CS_HASH_MAX 48
/* special slots (negative indices below the code hashes) */
#define DW_CSSLOT_INFOSLOT 1
#define DW_CSSLOT_REQUIREMENTS 2
#define DW_CSSLOT_RESOURCEDIR 3
#define DW_CSSLOT_ENTITLEMENTS 5
#define DW_CSSLOT_DER_ENTITLEMENTS 7
#define DW_CS_SPECIAL_MAX 7

/* <mach-o/loader.h> LC_BUILD_VERSION platforms */
#define DW_PLATFORM_MACOS 1
#define DW_PLATFORM_DRIVERKIT 10

/* What a special slot hash says about the data it binds. */
enum dw_cs_slot_state {
    DW_SLOT_ABSENT = 0, /* the CodeDirectory has no such slot, or it is zero */
    DW_SLOT_UNCHECKED,  /* bound, but the data was not available to compare */
    DW_SLOT_MATCH,
    DW_SLOT_MISMATCH, /* modified after signing (or bound data missing) */
};

/* One CodeDirectory's hash (its "cdhash": the whole blob hashed with its own
 * hash type), or one hash the CMS's hash-agility attributes list. */
struct dw_cdhash {
    uint32_t slot; /* 0, 0x1000..0x1004 (0 for a CMS entry) */
    uint8_t type;  /* DW_CS_HASHTYPE_* */
    uint8_t len;
    unsigned char hash[DW_CS_HASH_MAX];
};
#define DW_CS_MAX_CDS 6 /* slot 0 and the alternates 0x1000..0x1004 */
/* The CMS's hash-agility attributes (Security SecStaticCode::verifySignature):
 * V1 1.2.840.113635.100.9.1, a plist {cdhashes = [data, ...]} of cdhashes
 * truncated to 20 bytes in CodeDirectory order; V2 1.2.840.113635.100.9.2,
 * SEQUENCE {digest OID, OCTET STRING} per CodeDirectory, untruncated. */
struct dw_cms_agility {
    int v1; /* 0 absent, 1 read, -1 present but not a plist of data */
    struct dw_cdhash v1_hashes[DW_CS_MAX_CDS];
    size_t v1_n; /* entries read (more than DW_CS_MAX_CDS are counted, not kept) */
    int v2;
    struct dw_cdhash v2_hashes[DW_CS_MAX_CDS];
    size_t v2_n;
};

/* One embedded signature (LC_CODE_SIGNATURE -> SuperBlob). */
struct dw_codesign {
    bool present;        /* the slice has an LC_CODE_SIGNATURE */
    uint64_t sig_offset; /* file offset of the SuperBlob */
    /* the CodeDirectory used (the strongest hash among the primary and the alternates) */
    char *identifier;
    char *team_id; /* NULL when none (ad-hoc, or version < 0x20200) */
    uint32_t version, flags;
    uint8_t hash_type, hash_size, page_shift, platform;
    uint32_t n_code_slots, n_special_slots;
    uint64_t code_limit;
    uint64_t exec_seg_flags;
    size_t n_code_directories;
    unsigned char special[DW_CS_SPECIAL_MAX + 1][DW_CS_HASH_MAX]; /* [slot] */
    bool has_special[DW_CS_SPECIAL_MAX + 1];
    /* page hashes recomputed over the slice */
    uint32_t pages_bad; /* how many differ */
    uint32_t first_bad_page;
    enum dw_cs_slot_state slot_entitlements, slot_der_entitlements;
    /* blobs, copied (NULL / 0 when absent) */
    char *entitlements; /* the XML plist of the entitlements blob, NUL-terminated */
    size_t entitlements_len;
    unsigned char *der_entitlements;
    size_t der_entitlements_len;
    unsigned char *cms; /* CMS SignedData (BlobWrapper payload); empty for ad-hoc */
    size_t cms_len;
    /* from the CMS (codesign_cms.c) */
    char *signer_cn; /* "Apple Development: Test (TEAMID1234)" */
    char *signer_ou; /* the certificate's OU: the team id in Apple certificates */
    unsigned char *signer_der;
    size_t signer_der_len;
    int cms_state; /* 0 none, 1 signature over the CodeDirectory verifies, -1 it does not */
    struct dw_cms_agility agility;
    /* the cdhash of every CodeDirectory of the SuperBlob, in slot order */
    struct dw_cdhash cdhashes[DW_CS_MAX_CDS];
    size_t n_cdhashes;
    char *cms_error; /* why the CMS could not be read or did not verify */
};

struct dw_macho_slice {
    uint32_t cputype, cpusubtype;
    uint64_t offset, size; /* within the file */
    uint32_t filetype;
    uint32_t platform; /* LC_BUILD_VERSION platform, 0 when none */
    struct dw_codesign cs;
};

struct dw_macho {
    bool fat;
    struct dw_macho_slice *slices;
    size_t nslices;
};

enum dw_macho_rc {
    DW_MACHO_OK = 0,
    DW_MACHO_NOT_MACHO = 1, /* no Mach-O or fat magic: not an error for a bundle scan */
    DW_MACHO_BAD = -1,      /* a Mach-O whose structure is broken (err says where) */
};

/* Reads every slice of the file in buf[0..len): header, load commands, code
 * signature, CodeDirectory page hashes recomputed, CMS signer.  On DW_MACHO_OK
 * *m is filled (free with macho_free).  On DW_MACHO_BAD, err holds
 * "offset 0x...: reason" and *m holds what was read before (still freed by
 * macho_free). */
enum dw_macho_rc macho_read(const unsigned char *buf, size_t len, struct dw_macho *m,
                            struct dw_errors *err);
void macho_free(struct dw_macho *m);
/* "arm64", "arm64e", "x86_64", or "cpu 0x..." into a static-free buffer. */
void macho_arch_name(const struct dw_macho_slice *s, char *out, size_t n);

/* Reads the SuperBlob at buf[off..off+size) of a slice starting at slice_off
 * (codesign.c).  Fills cs; returns 0, or -1 with "offset 0x...: reason". */
int codesign_read(const unsigned char *buf, size_t len, uint64_t slice_off, uint64_t off,
                  uint64_t size, struct dw_codesign *cs, struct dw_errors *err);
void codesign_free(struct dw_codesign *cs);
/* Compares data with special slot `slot` of the CodeDirectory. */
enum dw_cs_slot_state codesign_check_slot(const struct dw_codesign *cs, int slot, const void *data,
                                          size_t len);
/* Hashes data with the CodeDirectory's hash type into out (hash_size bytes).
 * Returns 0, or -1 for a hash type we do not know. */
int codesign_hash(int hash_type, const void *data, size_t len, unsigned char *out);
/* Reads the CMS SignedData of cs (signer certificate, signature over cd). */
void codesign_read_cms(struct dw_codesign *cs, const unsigned char *cd, size_t cd_len);

#endif
