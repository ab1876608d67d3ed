/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal arm64 guest whose one virtio-blk request re-posts itself for ever
 * (virtio_repost.sh). vmm-ref runs it with --memory 128 --disk DISK, DISK a 32 MiB image
 * (65536 sectors); virtio slot 0 is the disk.
 *
 * First the guest writes the disk with one 32 MiB request: sector k holds, at offset 0,
 * an available ring whose index is k + 2 (every entry naming descriptor 0) and, at offset
 * 256, a request header that reads sector k + 1 (mod 65536). Then it posts one read of
 * sector 1 whose 512-byte buffer lies over the queue's own available ring and that
 * header: each read the device completes makes one more request available and points
 * it at the next sector, and after 65536 of them the 16-bit indexes and the sector
 * number are back where they started. From a single QueueNotify, a device that serves
 * its queue until it is empty never returns: the thread that calls it serves nothing
 * else (signals, the console, the other devices), and a vCPU that touches the device
 * waits on its lock.
 *
 * The guest prints "REPOST GO", then, about every 100 ms, reads the device's status
 * register and prints "REPOST ALIVE <status> <used index>": the lines keep coming only
 * while vCPU accesses to the device are served, and the used index says how many
 * requests the device has served (mod 65536). Interrupts stay masked.
 */
#define VIRTIO0 0x0a000000
#define QB 0x80200000
#define DESC (QB + 0x0000)
#define AVAIL (QB + 0x1000)
#define USED (QB + 0x2000)
#define HDR (QB + 0x3000)
#define STAT (QB + 0x3100)
#define REPOST_HDR (AVAIL + 256)
#define IMG 0x82000000 /* the disk's contents, built here: 32 MiB */
#define IMG_SECTORS 65536
#define QSIZE 64

	.section .text, "ax"
	.global _start
_start:
	/* arm64 Image header */
	b	start			/* code0 */
	.word	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	0x300000		/* image_size: code and the queue */
	.quad	0xa			/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2-4 */
	.word	0x644d5241		/* "ARM\x64" */
	.word	0			/* res5 */

	/* descriptor \idx: addr in x1, len in w2, flags | next << 16 in w3 */
	.macro	desc_at idx
	ldr	x9, =DESC + 16 * \idx
	str	x1, [x9]
	str	w2, [x9, #8]
	str	w3, [x9, #12]
	.endm

start:
	msr	daifset, #0xf
	ldr	x19, =VIRTIO0

	/* The disk's contents, every sector zeroed first (vmm-ref's boot data lies in RAM
	   too). */
	ldr	x9, =IMG
	mov	x10, #0			/* k */
1:	mov	x11, x9
	add	x12, x9, #512
0:	stp	xzr, xzr, [x11], #16
	cmp	x11, x12
	b.lo	0b
	add	w11, w10, #2
	strh	w11, [x9, #2]		/* avail->idx = k + 2 */
	add	x11, x10, #1
	and	x11, x11, #0xffff
	str	x11, [x9, #256 + 8]	/* header: T_IN (0), sector k + 1 */
	add	x9, x9, #512
	add	x10, x10, #1
	cmp	x10, #IMG_SECTORS
	b.lo	1b

	/* The device: reset, ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK, queue 0, DRIVER_OK */
	str	wzr, [x19, #0x70]
	mov	w9, #1
	str	w9, [x19, #0x70]
	mov	w9, #3
	str	w9, [x19, #0x70]
	mov	w9, #1
	str	w9, [x19, #0x24]	/* DriverFeaturesSel 1 */
	str	w9, [x19, #0x20]	/* VERSION_1 */
	str	wzr, [x19, #0x24]
	str	wzr, [x19, #0x20]
	mov	w9, #0xb
	str	w9, [x19, #0x70]
	str	wzr, [x19, #0x30]	/* QueueSel 0 */
	mov	w9, #QSIZE
	str	w9, [x19, #0x38]	/* QueueNum */
	ldr	x9, =DESC
	str	w9, [x19, #0x80]
	str	wzr, [x19, #0x84]
	ldr	x9, =AVAIL
	str	w9, [x19, #0x90]
	str	wzr, [x19, #0x94]
	ldr	x9, =USED
	str	w9, [x19, #0xa0]
	str	wzr, [x19, #0xa4]
	mov	w9, #1
	str	w9, [x19, #0x44]	/* QueueReady */
	mov	w9, #0xf
	str	w9, [x19, #0x70]	/* DRIVER_OK */

	/* Request 0: write the 32 MiB at sector 0: header, 32 segments of 1 MiB, status. */
	ldr	x9, =HDR
	mov	w10, #1			/* T_OUT */
	str	w10, [x9]
	str	wzr, [x9, #4]
	str	xzr, [x9, #8]
	ldr	x1, =HDR
	mov	w2, #16
	ldr	w3, =(1 | 1 << 16)	/* NEXT, next 1 */
	desc_at	0
	ldr	x9, =DESC + 16
	ldr	x1, =IMG
	mov	x10, #1
2:	str	x1, [x9]
	mov	w2, #0x100000
	str	w2, [x9, #8]
	add	w3, w10, #1
	lsl	w3, w3, #16
	orr	w3, w3, #1		/* NEXT, next i + 1 */
	str	w3, [x9, #12]
	add	x1, x1, #0x100000
	add	x9, x9, #16
	add	x10, x10, #1
	cmp	x10, #33
	b.lo	2b
	ldr	x1, =STAT
	mov	w2, #1
	mov	w3, #2			/* WRITE */
	desc_at	33
	ldr	x9, =STAT
	mov	w10, #0xee
	strb	w10, [x9]
	ldr	x9, =AVAIL
	strh	wzr, [x9, #4]		/* ring[0] = descriptor 0 */
	mov	w10, #1
	dmb	sy
	strh	w10, [x9, #2]		/* avail->idx = 1 */
	dsb	sy
	str	wzr, [x19, #0x50]	/* QueueNotify */
	ldr	x9, =USED
3:	ldrh	w10, [x9, #2]
	cmp	w10, #1
	b.ne	3b
	ldr	x9, =STAT
	ldrb	w10, [x9]
	cbz	w10, 4f
	adr	x0, write_failed
	bl	puts
	b	.

	/* Request 1: read sector 1 over the available ring and the next header. The ring's
	   entries are 0 (descriptor 0) already; its index becomes 2. */
4:	ldr	x9, =REPOST_HDR
	str	wzr, [x9]		/* T_IN */
	str	wzr, [x9, #4]
	mov	x10, #1
	str	x10, [x9, #8]		/* sector 1 */
	ldr	x1, =REPOST_HDR
	mov	w2, #16
	ldr	w3, =(1 | 1 << 16)	/* NEXT, next 1 */
	desc_at	0
	ldr	x1, =AVAIL
	mov	w2, #512
	ldr	w3, =(3 | 2 << 16)	/* NEXT | WRITE, next 2 */
	desc_at	1
	ldr	x1, =STAT
	mov	w2, #1
	mov	w3, #2			/* WRITE */
	desc_at	2
	ldr	x9, =AVAIL
	mov	w10, #2
	dmb	sy
	strh	w10, [x9, #2]		/* avail->idx = 2 */
	dsb	sy
	str	wzr, [x19, #0x50]	/* QueueNotify */
	adr	x0, go
	bl	puts

	/* Heartbeat: a device access, then a line, every ~100 ms. */
	mrs	x20, cntfrq_el0
	mov	x9, #10
	udiv	x20, x20, x9
5:	mrs	x21, cntvct_el0
	add	x21, x21, x20
6:	mrs	x9, cntvct_el0
	cmp	x9, x21
	b.lo	6b
	ldr	w22, [x19, #0x70]	/* Status: waits on the device's lock */
	ldr	x9, =USED
	ldrh	w23, [x9, #2]		/* requests served so far (mod 65536) */
	adr	x0, alive
	bl	puts
	mov	x0, x22
	bl	puthex
	adr	x0, space
	bl	puts
	mov	x0, x23
	bl	puthex
	adr	x0, eol
	bl	puts
	b	5b

#include "baremetal_uart_aarch64.inc"

go:	.asciz	"REPOST GO\r\n"
alive:	.asciz	"REPOST ALIVE "
space:	.asciz	" "
eol:	.asciz	"\r\n"
write_failed: .asciz "REPOST FAIL the disk write failed\r\n"
	.balign	4
	.ltorg
