/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hostile bare-metal arm64 guest for vmm-ref, packaged as an arm64 Image (the header of
 * Documentation/arm64/booting.rst) so that vmm-ref loads it as a kernel at the start of RAM.
 * vmm-ref is run with --memory 64 --vcpus 2 --disk IMG --rng (virtio slot 0 is the disk,
 * slot 1 the RNG).
 *
 * It attacks, in turn:
 *   - MMIO: reads and writes of 1, 2, 4 and 8 bytes (aligned and not) to unmapped
 *     addresses (below the devices, between them, just below and just past RAM, at the top
 *     of the 40-bit IPA space and beyond it) and over every device window (UART, RTC,
 *     virtio-mmio slots used and unused, GIC distributor and CPU interface or
 *     redistributors);
 *   - virtqueues of the virtio-blk and virtio-rng devices: descriptor loops, huge lengths,
 *     buffers outside or across the end of RAM, out-of-range head and next indexes, an
 *     avail index running ahead (wrapping), indirect descriptors never negotiated,
 *     writable-before-readable chains, rings outside RAM and bad queue sizes; after each, a
 *     device reset; then valid requests (disk read and write, RNG read) must still work;
 *   - PSCI: unknown function ids, SYSTEM_SUSPEND with entry points at and past the edges
 *     of RAM, a SYSTEM_SUSPEND storm, CPU_ON with bad targets, SYSTEM_SUSPEND from the
 *     secondary while the boot CPU runs and from the boot CPU while the secondary runs,
 *     SMC instead of HVC, HVC with a non-zero immediate.
 *
 * Faults the guest provokes on itself (address size faults past the IPA space, aborts KVM
 * injects, alignment faults where the CPU raises them, undefined instructions) are
 * counted and skipped by the exception vectors. Results go to the UART as lines starting
 * "HOSTILE "; the last is "HOSTILE PASS" or "HOSTILE FAILED <count>", then PSCI
 * SYSTEM_OFF. Registers x27 and x28 belong to the exception handler, x26 counts failures.
 */

#define RAM_BASE 0x80000000
#define RAM_END 0x84000000 /* --memory 64 */
#define UART 0x09000000
#define RTC 0x09010000
#define GICD 0x08000000
#define GICC 0x08010000
#define GICR 0x080a0000
#define VIRTIO0 0x0a000000
#define VIRTIO1 0x0a000200
#define VIRTIO2 0x0a000400

#define STACK0 0x80100000
#define STACK1 0x800f0000
#define MBOX 0x80180000

#define QB 0x80200000
#define DESC (QB + 0x0000)
#define AVAIL (QB + 0x1000)
#define USED (QB + 0x2000)
#define HDR (QB + 0x3000)
#define STAT (QB + 0x3100)
#define BUF (QB + 0x4000)
#define BUF2 (QB + 0x5000)
#define QSIZE 8

#define VQ_STATUS 0x70
#define VQ_NOTIFY 0x50

#define PSCI_VERSION 0x84000000
#define PSCI_CPU_OFF 0x84000002
#define PSCI_CPU_ON64 0xC4000003
#define PSCI_AFFINITY_INFO64 0xC4000004
#define PSCI_SYSTEM_OFF 0x84000008
#define PSCI_FEATURES 0x8400000A
#define PSCI_SYSTEM_SUSPEND32 0x8400000E
#define PSCI_SYSTEM_SUSPEND64 0xC400000E

	.section .text, "ax"
	.global _start
_start:
	/* arm64 Image header */
	b	start			/* code0 */
	.word	0			/* code1 */
	.quad	0			/* text_offset */
	.quad	0x200000		/* image_size: code, stacks and mailbox */
	.quad	0xa			/* flags: little-endian, 4 KiB pages, anywhere */
	.quad	0, 0, 0			/* res2-4 */
	.word	0x644d5241		/* "ARM\x64" */
	.word	0			/* res5 */

/* ------------------------------------------------------------------------------------ */
/* Helpers */

	.macro	movq reg, val
	ldr	\reg, =\val
	.endm

	/* print a string literal */
	.macro	say str
	adr	x0, 9001f
	bl	puts
	b	9002f
9001:	.asciz	"\str"
	.balign	4
9002:
	.endm

	/* check that xN == val, else print "HOSTILE FAIL what got <x>" */
	.macro	expect reg, val, what
	movq	x9, \val
	cmp	\reg, x9
	b.eq	9003f
	mov	x21, \reg
	say	"\r\nHOSTILE FAIL \what got "
	mov	x0, x21
	bl	puthex
	say	"\r\n"
	add	x26, x26, #1
9003:
	.endm

	.macro	hvc_call fid, a1=0, a2=0, a3=0
	movq	x0, \fid
	movq	x1, \a1
	movq	x2, \a2
	movq	x3, \a3
	hvc	#0
	.endm

/* ------------------------------------------------------------------------------------ */
start:
	msr	daifset, #0xf
	adr	x9, vectors
	msr	vbar_el1, x9
	isb
	movq	x9, STACK0
	mov	sp, x9
	mov	x26, #0
	mov	x28, #0
	say	"\r\nHOSTILE start\r\n"
	adr	x9, _start
	movq	x10, RAM_BASE
	cmp	x9, x10
	b.eq	1f
	say	"\r\nHOSTILE FAIL loaded away from the start of RAM\r\n"
	add	x26, x26, #1
1:
	bl	mmio_attacks
	bl	uart_restore
	say	"\r\nHOSTILE mmio done\r\n"
	bl	blk_attacks
	say	"\r\nHOSTILE virtio-blk done\r\n"
	bl	rng_attacks
	say	"\r\nHOSTILE virtio-rng done\r\n"
	bl	psci_attacks
	say	"\r\nHOSTILE psci done\r\n"
	bl	smc_attacks
	say	"\r\nHOSTILE smc done\r\n"

	say	"\r\nHOSTILE faults taken "
	mov	x0, x28
	bl	puthex
	say	"\r\n"
	cbnz	x26, 2f
	say	"\r\nHOSTILE PASS\r\n"
	b	3f
2:	say	"\r\nHOSTILE FAILED "
	mov	x0, x26
	bl	puthex
	say	"\r\n"
3:	hvc_call PSCI_SYSTEM_OFF
	say	"\r\nHOSTILE FAIL SYSTEM_OFF returned\r\n"
4:	wfi
	b	4b

#include "baremetal_uart_aarch64.inc"

/* uart_restore: 8N1, no DLAB, no interrupts, after the UART was attacked. */
uart_restore:
	movq	x1, UART
	mov	w2, #3
	strb	w2, [x1, #3]
	strb	wzr, [x1, #1]
	strb	wzr, [x1, #4]
	ret

/* ------------------------------------------------------------------------------------ */
/* MMIO: sweep(x0 base, x1 length, x2 step, x3 value): at each offset, reads of 1, 2, 4 and
   8 bytes, then writes of value with each size. */
sweep:
	add	x1, x0, x1
1:	cmp	x0, x1
	b.hs	2f
	ldrb	w9, [x0]
	ldrh	w9, [x0]
	ldr	w9, [x0]
	ldr	x9, [x0]
	strb	w3, [x0]
	strh	w3, [x0]
	str	w3, [x0]
	str	x3, [x0]
	add	x0, x0, x2
	b	1b
2:	ret

	.macro	sweep_range base, len, step
	movq	x0, \base
	movq	x1, \len
	mov	x2, #\step
	mov	x3, #0
	bl	sweep
	movq	x0, \base
	movq	x1, \len
	mov	x2, #\step
	mov	x3, #-1
	bl	sweep
	.endm

mmio_attacks:
	str	x30, [sp, #-16]!
	/* unmapped: low memory, between devices, around RAM, the IPA space's top and past it */
	sweep_range 0x0, 0x40, 1
	sweep_range 0x07fff000, 0x20, 4
	sweep_range 0x09020000, 0x20, 4
	sweep_range 0x0c000000, 0x20, 4
	sweep_range 0x40000000, 0x20, 8
	sweep_range 0x7fffffe0, 0x20, 4
	sweep_range RAM_END, 0x20, 4
	sweep_range 0xffffffff00, 0x20, 4
	sweep_range 0xfffffffff0, 0x10, 4
	sweep_range 0x10000000000, 0x10, 8
	/* UART: its registers byte by byte, then the rest of its window */
	sweep_range UART, 0x10, 1
	sweep_range UART + 0x10, 0xff0, 0x40
	/* RTC: its registers, its PrimeCell IDs, the rest of its 4 KiB window */
	sweep_range RTC, 0x40, 4
	sweep_range RTC + 0xfc0, 0x40, 4
	sweep_range RTC + 0x40, 0xf80, 0x40
	/* virtio-mmio: both devices' windows, then the unused slots */
	sweep_range VIRTIO0, 0x200, 2
	sweep_range VIRTIO1, 0x200, 2
	sweep_range VIRTIO2, 0x3c00, 0x80
	/* GIC: distributor, CPU interface (GICv2) or redistributors (GICv3) */
	sweep_range GICD, 0x10000, 0x100
	sweep_range GICD + 0x6100, 0x100, 8	/* GICv3 IROUTER of the SPIs */
	sweep_range GICD, 0x100, 1
	sweep_range GICC, 0x2000, 0x40
	sweep_range GICR, 0x40000, 0x400
	ldr	x30, [sp], #16
	ret

/* ------------------------------------------------------------------------------------ */
/* Virtqueues. x19 is the device's window. */

/* vq_setup(x0 desc, x1 num): resets the device, negotiates VERSION_1, sets queue 0 up at
   x0 (avail and used at AVAIL and USED) with x1 entries, sets DRIVER_OK. Returns the
   status register in x0. x20 = the driver's avail index (0). */
vq_setup:
	movq	x9, AVAIL
	str	xzr, [x9]
	movq	x9, USED
	str	xzr, [x9]
	mov	x20, #0
	str	wzr, [x19, #VQ_STATUS]		/* reset */
	mov	w9, #1
	str	w9, [x19, #VQ_STATUS]
	mov	w9, #3
	str	w9, [x19, #VQ_STATUS]
	mov	w9, #1
	str	w9, [x19, #0x24]		/* DriverFeaturesSel 1 */
	str	w9, [x19, #0x20]		/* VERSION_1 */
	str	wzr, [x19, #0x24]
	str	wzr, [x19, #0x20]
	mov	w9, #0xb
	str	w9, [x19, #VQ_STATUS]
	str	wzr, [x19, #0x30]		/* QueueSel 0 */
	str	w1, [x19, #0x38]		/* QueueNum */
	str	w0, [x19, #0x80]
	lsr	x9, x0, #32
	str	w9, [x19, #0x84]
	movq	x9, AVAIL
	str	w9, [x19, #0x90]
	str	wzr, [x19, #0x94]
	movq	x9, USED
	str	w9, [x19, #0xa0]
	str	wzr, [x19, #0xa4]
	mov	w9, #1
	str	w9, [x19, #0x44]		/* QueueReady */
	mov	w9, #0xf
	str	w9, [x19, #VQ_STATUS]
	ldr	w0, [x19, #VQ_STATUS]
	ret

/* vq_desc(x0 index, x1 addr, x2 len, x3 flags, x4 next) */
vq_desc:
	movq	x9, DESC
	add	x9, x9, x0, lsl #4
	str	x1, [x9]
	str	w2, [x9, #8]
	orr	w3, w3, w4, lsl #16
	str	w3, [x9, #12]
	ret

	.macro	desc idx, addr, len, flags, next
	mov	x0, #\idx
	movq	x1, \addr
	movq	x2, \len
	mov	x3, #\flags
	mov	x4, #\next
	bl	vq_desc
	.endm

/* vq_kick(x0 head): makes head available, notifies queue 0 and waits. Returns x0 = 0 when
   the device used it, 1 when the device set DEVICE_NEEDS_RESET, 2 on time-out. */
vq_kick:
	movq	x9, AVAIL
	and	x10, x20, #(QSIZE - 1)
	add	x10, x9, x10, lsl #1
	strh	w0, [x10, #4]			/* avail.ring[idx % size] */
	add	x20, x20, #1
	dmb	sy
	strh	w20, [x9, #2]			/* avail.idx */
	dsb	sy
	str	wzr, [x19, #VQ_NOTIFY]
	movq	x13, 20000
3:	movq	x9, USED
	ldrh	w11, [x9, #2]
	and	w12, w20, #0xffff
	cmp	w11, w12
	b.eq	4f
	ldr	w11, [x19, #VQ_STATUS]
	tbnz	w11, #6, 5f
	subs	x13, x13, #1
	b.ne	3b
	mov	x0, #2
	ret
4:	mov	x0, #0
	ret
5:	mov	x0, #1
	ret

	/* a blk request header at HDR: type, sector */
	.macro	blk_hdr type, sector
	movq	x9, HDR
	mov	w10, #\type
	str	w10, [x9]
	str	wzr, [x9, #4]
	movq	x10, \sector
	str	x10, [x9, #8]
	movq	x9, STAT
	mov	w10, #0xff
	str	w10, [x9]
	.endm

	.macro	vq_case head, expected, what
	mov	x0, #\head
	bl	vq_kick
	expect	x0, \expected, "\what"
	.endm

	.macro	setup_q desc_addr=DESC, num=QSIZE
	movq	x0, \desc_addr
	mov	x1, #\num
	bl	vq_setup
	.endm

	/* setup_q, and the status read back must be \status */
	.macro	setup_q_expect desc_addr, num, status, what
	movq	x0, \desc_addr
	movq	x1, \num
	bl	vq_setup
	and	x0, x0, #0xff
	expect	x0, \status, "\what"
	.endm

blk_attacks:
	str	x30, [sp, #-16]!
	movq	x19, VIRTIO0
	ldr	w0, [x19, #8]
	expect	x0, 2, "slot 0 is not virtio-blk"

	setup_q_expect DESC, QSIZE, 0xf, "blk set-up"
	blk_hdr	0, 0
	desc	0, HDR, 16, 1, 1
	desc	1, BUF, 512, 3, 0
	vq_case	0, 1, "blk descriptor loop not refused"

	setup_q
	blk_hdr	0, 0
	desc	0, HDR, 16, 1, 1
	desc	1, BUF, 0xffffffff, 3, 2
	desc	2, STAT, 1, 2, 0
	vq_case	0, 1, "blk 4 GiB buffer not refused"

	setup_q
	desc	1, 0xfffffffffffff000, 512, 3, 2
	vq_case	0, 1, "blk buffer at the top of the address space not refused"

	setup_q
	desc	1, RAM_END - 256, 512, 3, 2
	vq_case	0, 1, "blk buffer across the end of RAM not refused"

	setup_q
	desc	1, RAM_BASE - 256, 512, 3, 2
	vq_case	0, 1, "blk buffer across the start of RAM not refused"

	setup_q
	desc	0, HDR, 16, 1, 200
	vq_case	0, 1, "blk next index out of range not refused"

	setup_q
	desc	0, HDR, 16, 1, 1
	desc	1, BUF, 512, 3, 2
	desc	2, STAT, 1, 2, 0
	vq_case	9, 1, "blk head index out of range not refused"

	setup_q
	mov	x20, #0xfffe			/* avail.idx becomes 0xffff: 65535 ahead */
	vq_case	0, 1, "blk avail index running ahead not refused"

	setup_q
	desc	0, BUF, 32, 4, 0
	vq_case	0, 1, "blk indirect descriptor without the feature not refused"

	setup_q
	desc	0, BUF, 512, 3, 1
	desc	1, HDR, 16, 1, 2
	desc	2, STAT, 1, 2, 0
	vq_case	0, 1, "blk writable before readable not refused"

	/* rings outside RAM, across its end, and bad sizes: refused at QueueReady */
	setup_q_expect 0x1000, QSIZE, 0x4b, "blk ring outside RAM"
	setup_q_expect RAM_END - 64, QSIZE, 0x4b, "blk ring across the end of RAM"
	setup_q_expect DESC, 3, 0x4b, "blk queue size 3"
	setup_q_expect DESC, 0, 0x4b, "blk queue size 0"
	setup_q_expect DESC, 0x10000, 0x4b, "blk queue size 65536"
	setup_q_expect DESC + 1, QSIZE, 0x4b, "blk misaligned descriptor table"

	/* a queue that does not exist */
	setup_q
	mov	w9, #7
	str	w9, [x19, #0x30]
	mov	w9, #1
	str	w9, [x19, #0x44]
	mov	w9, #7
	str	w9, [x19, #VQ_NOTIFY]
	ldr	w0, [x19, #0x44]
	expect	x0, 0, "blk queue 7 became ready"

	/* out-of-range sectors: an I/O error for the request, the device stays usable */
	setup_q_expect DESC, QSIZE, 0xf, "blk set-up after reset"
	blk_hdr	0, 0xffffffffffffffff
	desc	0, HDR, 16, 1, 1
	desc	1, BUF, 512, 3, 2
	desc	2, STAT, 1, 2, 0
	vq_case	0, 0, "blk read at sector 2^64-1 not completed"
	movq	x9, STAT
	ldrb	w0, [x9]
	expect	x0, 1, "blk read at sector 2^64-1 status"
	blk_hdr	1, 0x0080000000000000		/* sector * 512 overflows */
	desc	1, BUF, 512, 1, 2
	vq_case	0, 0, "blk write at an overflowing sector not completed"
	movq	x9, STAT
	ldrb	w0, [x9]
	expect	x0, 1, "blk write at an overflowing sector status"

	/* valid requests still work: read sector 0, write sector 1 */
	setup_q_expect DESC, QSIZE, 0xf, "blk set-up for valid requests"
	blk_hdr	0, 0
	desc	0, HDR, 16, 1, 1
	desc	1, BUF, 512, 3, 2
	desc	2, STAT, 1, 2, 0
	vq_case	0, 0, "blk valid read not completed"
	movq	x9, STAT
	ldrb	w0, [x9]
	expect	x0, 0, "blk valid read status"
	movq	x9, BUF
	ldr	x0, [x9]
	expect	x0, 0x534f482d4d4d5643, "blk sector 0 does not start with CVMM-HOS"
	movq	x9, BUF2
	movq	x10, 0x2145544952572d48		/* "H-WRITE!" */
	mov	x11, #64
1:	str	x10, [x9], #8
	subs	x11, x11, #1
	b.ne	1b
	blk_hdr	1, 1
	desc	0, HDR, 16, 1, 1
	desc	1, BUF2, 512, 1, 2
	desc	2, STAT, 1, 2, 0
	vq_case	0, 0, "blk valid write not completed"
	movq	x9, STAT
	ldrb	w0, [x9]
	expect	x0, 0, "blk valid write status"
	ldr	x30, [sp], #16
	ret

rng_attacks:
	str	x30, [sp, #-16]!
	movq	x19, VIRTIO1
	ldr	w0, [x19, #8]
	expect	x0, 4, "slot 1 is not virtio-rng"
	setup_q
	desc	0, BUF, 16, 3, 1
	desc	1, BUF, 16, 3, 0
	vq_case	0, 1, "rng descriptor loop not refused"
	setup_q
	desc	0, BUF, 0xffffffff, 2, 0
	vq_case	0, 1, "rng 4 GiB buffer not refused"
	setup_q
	desc	0, RAM_END - 8, 16, 2, 0
	vq_case	0, 1, "rng buffer across the end of RAM not refused"
	setup_q
	desc	0, BUF, 16, 2, 0
	vq_case	0, 0, "rng valid request not completed"
	movq	x9, USED
	ldr	w0, [x9, #8]
	expect	x0, 16, "rng valid request length"
	ldr	x30, [sp], #16
	ret

/* ------------------------------------------------------------------------------------ */
/* PSCI */

	.macro	psci_expect fid, a1, a2, a3, val, what
	hvc_call \fid, \a1, \a2, \a3
	expect	x0, \val, "\what"
	.endm

psci_attacks:
	str	x30, [sp, #-16]!
	psci_expect 0, 0, 0, 0, -1, "psci id 0"
	psci_expect 0xffffffff, 0, 0, 0, -1, "psci id 0xffffffff"
	psci_expect 0x84000099, 0, 0, 0, -1, "psci id 0x84000099"
	psci_expect 0xC4001234, 0, 0, 0, -1, "psci id 0xC4001234"
	psci_expect PSCI_FEATURES, 0x12345678, 0, 0, -1, "PSCI_FEATURES of garbage"
	psci_expect PSCI_FEATURES, PSCI_SYSTEM_SUSPEND64, 0, 0, 0, "SYSTEM_SUSPEND not offered"

	/* SYSTEM_SUSPEND with entry points at and past the edges of RAM (only vCPU 0 on) */
	psci_expect PSCI_SYSTEM_SUSPEND64, RAM_BASE - 4, 0, 0, -9, "suspend entry below RAM"
	psci_expect PSCI_SYSTEM_SUSPEND64, RAM_END, 0, 0, -9, "suspend entry at the end of RAM"
	psci_expect PSCI_SYSTEM_SUSPEND64, 0, 0, 0, -9, "suspend entry 0"
	psci_expect PSCI_SYSTEM_SUSPEND64, 0xfffffffffffffffc, 0, 0, -9, "suspend entry 2^64-4"
	psci_expect PSCI_SYSTEM_SUSPEND64, RAM_END + RAM_BASE, 0, 0, -9, "suspend entry past RAM"
	psci_expect PSCI_SYSTEM_SUSPEND32, 0x7ffffffc, 0, 0, -9, "suspend32 entry below RAM"

	/* a storm of refused suspends */
	mov	x22, #0
	mov	x23, #1000
1:	hvc_call PSCI_SYSTEM_SUSPEND64, 0x1000, 0, 0
	movq	x9, -9
	cmp	x0, x9
	cinc	x22, x22, ne
	subs	x23, x23, #1
	b.ne	1b
	expect	x22, 0, "suspend storm: answers other than INVALID_ADDRESS"

	/* CPU_ON with garbage, then vCPU 1 for real */
	psci_expect PSCI_CPU_ON64, 0xff00ff, RAM_BASE, 0, -2, "CPU_ON of a missing core"
	movq	x9, MBOX
	str	xzr, [x9]
	str	xzr, [x9, #8]
	str	xzr, [x9, #16]
	str	xzr, [x9, #24]
	adr	x9, secondary
	mov	x0, #(PSCI_CPU_ON64 & 0xffff)
	movk	x0, #(PSCI_CPU_ON64 >> 16), lsl #16
	mov	x1, #1
	mov	x2, x9
	movq	x3, 0x5ec0
	hvc	#0
	expect	x0, 0, "CPU_ON of vCPU 1"
	adr	x9, secondary
	mov	x2, x9
	mov	x0, #(PSCI_CPU_ON64 & 0xffff)
	movk	x0, #(PSCI_CPU_ON64 >> 16), lsl #16
	mov	x1, #1
	hvc	#0
	movq	x9, -4
	cmp	x0, x9
	b.eq	2f
	movq	x9, -5
	expect	x0, -5, "second CPU_ON of vCPU 1 (ALREADY_ON or ON_PENDING)"
2:
	/* suspends from the boot vCPU while vCPU 1 runs: DENIED */
	mov	x22, #0
	mov	x23, #300
3:	adr	x9, never
	mov	x1, x9
	mov	x0, #(PSCI_SYSTEM_SUSPEND64 & 0xffff)
	movk	x0, #(PSCI_SYSTEM_SUSPEND64 >> 16), lsl #16
	mov	x2, #0
	hvc	#0
	movq	x9, -3
	cmp	x0, x9
	cinc	x22, x22, ne
	subs	x23, x23, #1
	b.ne	3b
	expect	x22, 0, "boot vCPU suspend while vCPU 1 runs: answers other than DENIED"
	/* only now may vCPU 1 turn off: a valid suspend would then be honoured */
	movq	x9, MBOX
	mov	x10, #1
	str	x10, [x9, #24]
	dsb	sy
	/* wait for vCPU 1's report */
	movq	x23, 100000000
5:	movq	x9, MBOX
	ldr	x10, [x9, #16]
	cbnz	x10, 6f
	subs	x23, x23, #1
	b.ne	5b
	say	"\r\nHOSTILE FAIL vCPU 1 never reported\r\n"
	add	x26, x26, #1
	b	8f
6:	ldr	x0, [x9]
	expect	x0, -3, "suspend from vCPU 1 while vCPU 0 runs"
	ldr	x0, [x9, #8]
	expect	x0, 0, "vCPU 1 suspend storm: answers other than DENIED"
	/* vCPU 1 turns itself off */
	movq	x23, 1000000
7:	hvc_call PSCI_AFFINITY_INFO64, 1, 0, 0
	cmp	x0, #1
	b.eq	8f
	subs	x23, x23, #1
	b.ne	7b
	expect	x0, 1, "vCPU 1 never turned off"
8:	ldr	x30, [sp], #16
	ret

/* The secondary: suspends while vCPU 0 runs, reports in MBOX, turns itself off. */
secondary:
	msr	daifset, #0xf
	adr	x9, vectors
	msr	vbar_el1, x9
	isb
	movq	x9, STACK1
	mov	sp, x9
	mov	x28, #0
	adr	x1, never
	mov	x0, #(PSCI_SYSTEM_SUSPEND64 & 0xffff)
	movk	x0, #(PSCI_SYSTEM_SUSPEND64 >> 16), lsl #16
	mov	x2, #0x77
	hvc	#0
	movq	x9, MBOX
	str	x0, [x9]
	mov	x22, #0
	mov	x23, #300
1:	adr	x1, never
	mov	x0, #(PSCI_SYSTEM_SUSPEND64 & 0xffff)
	movk	x0, #(PSCI_SYSTEM_SUSPEND64 >> 16), lsl #16
	mov	x2, #0
	hvc	#0
	movq	x9, -3
	cmp	x0, x9
	cinc	x22, x22, ne
	subs	x23, x23, #1
	b.ne	1b
	movq	x9, MBOX
	str	x22, [x9, #8]
	dmb	sy
	mov	x10, #1
	str	x10, [x9, #16]
	dsb	sy
3:	ldr	x10, [x9, #24]			/* vCPU 0's go-ahead */
	cbz	x10, 3b
	hvc_call PSCI_CPU_OFF
	/* CPU_OFF does not return */
2:	wfi
	b	2b

/* An entry point a refused suspend must never reach. */
never:
	say	"\r\nHOSTILE FAIL resumed at a refused suspend's entry point\r\n"
	hvc_call PSCI_SYSTEM_OFF
1:	b	1b

/* ------------------------------------------------------------------------------------ */
/* SMC instead of HVC, HVC with an immediate: any answer will do, but the guest goes on. */
smc_attacks:
	str	x30, [sp, #-16]!
	movq	x0, PSCI_VERSION
	smc	#0
	mov	x21, x0
	say	"\r\nHOSTILE smc PSCI_VERSION "
	mov	x0, x21
	bl	puthex
	movq	x0, 0xC4001234
	smc	#0
	movq	x0, PSCI_SYSTEM_SUSPEND64
	movq	x1, 0x1000
	smc	#0
	mov	x21, x0
	say	"\r\nHOSTILE smc SYSTEM_SUSPEND(0x1000) "
	mov	x0, x21
	bl	puthex
	movq	x0, PSCI_VERSION
	smc	#0x1234
	movq	x0, PSCI_VERSION
	hvc	#0x1234
	mov	x21, x0
	say	"\r\nHOSTILE hvc #0x1234 PSCI_VERSION "
	mov	x0, x21
	bl	puthex
	say	"\r\n"
	ldr	x30, [sp], #16
	ret

	.ltorg
	.balign	8

/* ------------------------------------------------------------------------------------ */
/* Exception vectors: synchronous exceptions skip the faulting instruction; others return. */
	.balign	2048
vectors:
	.rept	16
	.balign	128
	b	exc_entry
	.endr
exc_entry:
	add	x28, x28, #1
	mrs	x27, esr_el1
	lsr	x27, x27, #26
	cmp	x27, #0x2f			/* SError */
	b.eq	1f
	mrs	x27, elr_el1
	add	x27, x27, #4
	msr	elr_el1, x27
1:	eret
