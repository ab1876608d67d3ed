/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arm64 guest, run with the MMU off from the start of RAM (0x40000000): a minimal
 * virtio-blk driver for the device at 0x0a000000. Same steps and layout as the x86_64
 * guest (RAM offsets: results 0x3000, descriptors 0x4000, available ring 0x4100, used
 * ring 0x4200, header 0x5000, status 0x5010, read buffer 0x6000, write buffer 0x7000);
 * a write to 0x0b000000, where no device lives, says it is done.
 */
	.section .rodata
	.balign 4
	.globl virtio_guest_a64_start, virtio_guest_a64_end
virtio_guest_a64_start:
	movz	x20, #0x0a00, lsl #16		/* virtio-mmio */
	movz	x22, #0x4000, lsl #16
	add	x22, x22, #0x3000		/* results */
	add	x23, x22, #0x1000		/* queue */
	add	x24, x22, #0x2000		/* header; status at +0x10 */

	ldr	w0, [x20, #0x000]		/* MagicValue */
	str	w0, [x22, #0]
	ldr	w0, [x20, #0x008]		/* DeviceID */
	str	w0, [x22, #4]
	mov	w0, #1
	str	w0, [x20, #0x070]		/* ACKNOWLEDGE */
	mov	w0, #3
	str	w0, [x20, #0x070]		/* DRIVER */
	mov	w0, #1
	str	w0, [x20, #0x024]		/* DriverFeaturesSel 1 */
	str	w0, [x20, #0x020]		/* VIRTIO_F_VERSION_1 */
	str	wzr, [x20, #0x024]
	str	wzr, [x20, #0x020]
	mov	w0, #0xb
	str	w0, [x20, #0x070]		/* FEATURES_OK */
	ldr	w0, [x20, #0x070]
	str	w0, [x22, #8]

	str	wzr, [x20, #0x030]		/* QueueSel 0 */
	mov	w0, #8
	str	w0, [x20, #0x038]		/* QueueNum */
	str	w23, [x20, #0x080]
	str	wzr, [x20, #0x084]
	add	x0, x23, #0x100
	str	w0, [x20, #0x090]
	str	wzr, [x20, #0x094]
	add	x0, x23, #0x200
	str	w0, [x20, #0x0a0]
	str	wzr, [x20, #0x0a4]
	mov	w0, #1
	str	w0, [x20, #0x044]		/* QueueReady */
	mov	w0, #0xf
	str	w0, [x20, #0x070]		/* DRIVER_OK */

	/* Request 1: IN, sector 1, 512 bytes to RAM + 0x6000. */
	str	x24, [x23, #0x00]		/* desc 0: header */
	mov	w0, #16
	str	w0, [x23, #0x08]
	mov	w0, #1
	strh	w0, [x23, #0x0c]		/* NEXT */
	strh	w0, [x23, #0x0e]
	add	x0, x22, #0x3000		/* desc 1: data */
	str	x0, [x23, #0x10]
	mov	w0, #512
	str	w0, [x23, #0x18]
	mov	w0, #3
	strh	w0, [x23, #0x1c]		/* NEXT | WRITE */
	mov	w0, #2
	strh	w0, [x23, #0x1e]
	add	x0, x24, #0x10			/* desc 2: status */
	str	x0, [x23, #0x20]
	mov	w0, #1
	str	w0, [x23, #0x28]
	mov	w0, #2
	strh	w0, [x23, #0x2c]		/* WRITE */
	strh	wzr, [x23, #0x2e]
	str	wzr, [x24, #0]			/* type IN */
	str	wzr, [x24, #4]
	mov	x0, #1
	str	x0, [x24, #8]			/* sector 1 */
	mov	w0, #0xff
	strb	w0, [x24, #0x10]
	strh	wzr, [x23, #0x100]		/* avail flags */
	strh	wzr, [x23, #0x104]		/* ring[0] = 0 */
	dmb	sy
	mov	w0, #1
	strh	w0, [x23, #0x102]		/* avail idx */
	dmb	sy
	str	wzr, [x20, #0x050]		/* QueueNotify 0 */
1:	ldrh	w0, [x23, #0x202]		/* used idx */
	cmp	w0, #1
	b.ne	1b
	ldrb	w0, [x24, #0x10]
	strb	w0, [x22, #0x10]

	/* Request 2: OUT, sector 2, 512 bytes of 0xa5 from RAM + 0x7000. */
	add	x1, x22, #0x4000
	mov	x2, #512
	mov	w0, #0xa5
2:	strb	w0, [x1], #1
	subs	x2, x2, #1
	b.ne	2b
	mov	w0, #1
	str	w0, [x24, #0]			/* type OUT */
	mov	x0, #2
	str	x0, [x24, #8]			/* sector 2 */
	mov	w0, #0xff
	strb	w0, [x24, #0x10]
	add	x0, x22, #0x4000
	str	x0, [x23, #0x10]
	mov	w0, #1
	strh	w0, [x23, #0x1c]		/* NEXT only: device-readable */
	strh	wzr, [x23, #0x106]		/* ring[1] = 0 */
	dmb	sy
	mov	w0, #2
	strh	w0, [x23, #0x102]
	dmb	sy
	str	wzr, [x20, #0x050]
3:	ldrh	w0, [x23, #0x202]
	cmp	w0, #2
	b.ne	3b
	ldrb	w0, [x24, #0x10]
	strb	w0, [x22, #0x11]

	ldr	w0, [x20, #0x060]		/* InterruptStatus */
	str	w0, [x22, #0x0c]
	str	w0, [x20, #0x064]		/* InterruptACK */
	ldr	w0, [x20, #0x060]
	str	w0, [x22, #0x14]

	movz	x0, #0x0b00, lsl #16
	str	wzr, [x0]			/* done */
4:	b	4b
	.balign 4
virtio_guest_a64_end:
	.section .note.GNU-stack, "", %progbits
