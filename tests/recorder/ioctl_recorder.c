/*
 * ioctl_recorder.c — an LD_PRELOAD shim for the reference-tool comparison test
 * (crates/disk/tests/reference_tools.rs). It intercepts ioctl() on one device node
 * (RECORDER_DEVICE), writes every SG_IO CDB, NVMe admin command and MMC command it sees to
 * RECORDER_LOG as one text line, and answers like a healthy, idle device: GOOD status, ATA
 * registers with DRDY set, the IDENTIFY / EXT_CSD data the test supplies. Nothing reaches the
 * kernel's driver for that node. Written for this project from the uapi layouts
 * (scsi/sg.h, linux/nvme_ioctl.h, linux/mmc/ioctl.h).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sg_io_hdr_rec {
    int interface_id, dxfer_direction;
    unsigned char cmd_len, mx_sb_len;
    unsigned short iovec_count;
    unsigned int dxfer_len;
    void *dxferp;
    unsigned char *cmdp;
    void *sbp;
    unsigned int timeout, flags;
    int pack_id;
    void *usr_ptr;
    unsigned char status, masked_status, msg_status, sb_len_wr;
    unsigned short host_status, driver_status;
    int resid;
    unsigned int duration, info;
};

struct nvme_cmd_rec {
    uint8_t opcode, flags;
    uint16_t rsvd1;
    uint32_t nsid, cdw2, cdw3;
    uint64_t metadata, addr;
    uint32_t metadata_len, data_len;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
    uint32_t timeout_ms;
    uint32_t result; /* 64-bit variant: result is a u64 after a 4-byte pad */
};

struct mmc_cmd_rec {
    int write_flag, is_acmd;
    uint32_t opcode, arg, response[4], flags, blksz, blocks;
    uint32_t postsleep_min_us, postsleep_max_us, data_timeout_ns, cmd_timeout_ms, pad;
    uint64_t data_ptr;
};

#define SG_IO_NR 0x2285UL
#define SG_GET_VERSION_NUM_NR 0x2282UL
#define NVME_IOCTL_ID_NR 0x4e40UL
#define NVME_ADMIN_NR 0xc0484e41UL
#define NVME_ADMIN64_NR 0xc0504e47UL
#define MMC_IOC_CMD_NR 0xc048b300UL
#define MMC_IOC_MULTI_NR 0xc008b301UL

static int (*real_ioctl)(int, unsigned long, ...);

static int is_target(int fd) {
    const char *want = getenv("RECORDER_DEVICE");
    char link[64], path[4096];
    ssize_t n;
    if (!want) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = 0;
    return strcmp(path, want) == 0;
}

static void log_line(const char *fmt, ...) {
    const char *p = getenv("RECORDER_LOG");
    FILE *f;
    va_list ap;
    if (!p || !(f = fopen(p, "a"))) return;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static void hex(char *out, const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

/* Fills buf with the file named by env var `var` (or zeros). */
static void fill_from(const char *var, void *buf, size_t len) {
    const char *p = getenv(var);
    memset(buf, 0, len);
    if (p) {
        int fd = open(p, O_RDONLY);
        if (fd >= 0) {
            ssize_t r = read(fd, buf, len);
            (void)r;
            close(fd);
        }
    }
}

static int on_sg_io(struct sg_io_hdr_rec *h) {
    char cdb[2 * 32 + 1], data[2 * 512 + 1] = "";
    unsigned char *c = h->cmdp;
    hex(cdb, c, h->cmd_len > 32 ? 32 : h->cmd_len);
    if (h->dxfer_direction == -2 && h->dxferp && h->dxfer_len <= 512)
        hex(data, h->dxferp, h->dxfer_len);
    log_line("SGIO cdb=%s dir=%d len=%u timeout_ms=%u data=%s", cdb, h->dxfer_direction,
             h->dxfer_len, h->timeout, data);
    h->status = 0; h->masked_status = 0; h->host_status = 0; h->driver_status = 0;
    h->sb_len_wr = 0; h->resid = 0; h->duration = 1; h->info = 0;
    if (h->dxfer_direction == -3 && h->dxferp) {
        int ata = (c[0] == 0x85 || c[0] == 0xa1);
        unsigned char command = c[0] == 0x85 ? c[14] : c[9];
        if (ata && (command == 0xec || command == 0xa1))
            fill_from("RECORDER_IDENTIFY", h->dxferp, h->dxfer_len);
        else if (c[0] == 0x12) { /* INQUIRY: a direct-access SPC-4 disk */
            unsigned char inq[36] = {0x00, 0x00, 0x06, 0x02, 31, 0, 0, 0};
            memcpy(inq + 8, "RECORDER", 8);
            memcpy(inq + 16, "REFERENCE DISK  ", 16);
            memcpy(inq + 32, "0001", 4);
            memset(h->dxferp, 0, h->dxfer_len);
            memcpy(h->dxferp, inq, h->dxfer_len < 36 ? h->dxfer_len : 36);
        } else if (c[0] == 0x03) { /* REQUEST SENSE: no sense */
            memset(h->dxferp, 0, h->dxfer_len);
            ((unsigned char *)h->dxferp)[0] = 0x70;
            if (h->dxfer_len > 7) ((unsigned char *)h->dxferp)[7] = 10;
        } else
            memset(h->dxferp, 0, h->dxfer_len);
    }
    /* ATA commands asking for the registers back (CK_COND) get them in descriptor sense,
     * with STATUS = DRDY | DSC (no error). */
    if ((c[0] == 0x85 && (c[2] & 0x20)) && h->sbp && h->mx_sb_len >= 22) {
        unsigned char s[22] = {0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 14, 0x09, 0x0c};
        const char *regs = getenv("RECORDER_ATA_DESC"); /* desc bytes 2..13, in hex */
        s[8 + 13] = 0x50;
        for (int i = 0; regs && i < 12 && regs[2 * i] && regs[2 * i + 1]; i++) {
            unsigned int v;
            if (sscanf(regs + 2 * i, "%2x", &v) == 1) s[8 + 2 + i] = (unsigned char)v;
        }
        memcpy(h->sbp, s, sizeof s);
        h->sb_len_wr = sizeof s;
        h->status = 0x02;
        h->masked_status = 0x01;
        h->driver_status = 0x08;
    }
    return 0;
}

static int on_nvme(struct nvme_cmd_rec *c, int wide) {
    log_line("NVME opcode=%02x flags=%02x nsid=%08x cdw2=%08x cdw3=%08x cdw10=%08x cdw11=%08x "
             "cdw12=%08x cdw13=%08x cdw14=%08x cdw15=%08x data_len=%u timeout_ms=%u wide=%d",
             c->opcode, c->flags, c->nsid, c->cdw2, c->cdw3, c->cdw10, c->cdw11, c->cdw12,
             c->cdw13, c->cdw14, c->cdw15, c->data_len, c->timeout_ms, wide);
    if (c->addr && c->data_len && c->opcode != 0x81 /* no write of host data */)
        memset((void *)(uintptr_t)c->addr, 0, c->data_len);
    if (wide) *(uint64_t *)((char *)c + 72) = 0;
    else c->result = 0;
    return 0;
}

static void on_mmc(struct mmc_cmd_rec *m) {
    log_line("MMC write=%d acmd=%d opcode=%u arg=%08x flags=%08x blksz=%u blocks=%u "
             "cmd_timeout_ms=%u", m->write_flag, m->is_acmd, m->opcode, m->arg, m->flags,
             m->blksz, m->blocks, m->cmd_timeout_ms);
    memset(m->response, 0, sizeof m->response);
    m->response[0] = 0x900; /* R1: READY_FOR_DATA, state tran */
    if (!m->write_flag && m->data_ptr && m->blksz) {
        size_t len = (size_t)m->blksz * (m->blocks ? m->blocks : 1);
        if (m->opcode == 8) fill_from("RECORDER_EXT_CSD", (void *)(uintptr_t)m->data_ptr, len);
        else memset((void *)(uintptr_t)m->data_ptr, 0, len);
    }
}

int ioctl(int fd, unsigned long req, ...) {
    va_list ap;
    void *arg;
    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    if (!is_target(fd)) return real_ioctl(fd, req, arg);
    switch (req & 0xffffffffUL) {
    case SG_IO_NR: return on_sg_io(arg);
    case SG_GET_VERSION_NUM_NR: *(int *)arg = 30536; return 0;
    case NVME_IOCTL_ID_NR: return getenv("RECORDER_NSID") ? atoi(getenv("RECORDER_NSID")) : 1;
    case NVME_ADMIN_NR: return on_nvme(arg, 0);
    case NVME_ADMIN64_NR: return on_nvme(arg, 1);
    case MMC_IOC_CMD_NR: on_mmc(arg); return 0;
    case MMC_IOC_MULTI_NR: {
        uint64_t n = *(uint64_t *)arg;
        struct mmc_cmd_rec *cmds = (struct mmc_cmd_rec *)((char *)arg + 8);
        log_line("MMC-MULTI n=%llu", (unsigned long long)n);
        for (uint64_t i = 0; i < n; i++) on_mmc(&cmds[i]);
        return 0;
    }
    default:
        log_line("IOCTL req=%08lx", req);
        if (arg) memset(arg, 0, 8); /* sizes and flags: small, harmless answers */
        return 0;
    }
}
