/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16-bit real-mode guest: a minimal virtio-blk driver. Copied to 0x1000 and entered with
 * CS = DS = 0, IP = 0x1000. The virtio-mmio window is at 0x10000 (reached through ES =
 * 0x1000). It initialises the device, sets up queue 0 (8 entries: descriptors at 0x4000,
 * available ring at 0x4100, used ring at 0x4200), reads sector 1 into 0x6000, writes
 * 512 bytes of 0xa5 from 0x7000 to sector 2, acknowledges the interrupt, records what it
 * saw at 0x3000 and reports completion with an OUT to port 0x501.
 */
	.section .rodata
	.code16
	.globl virtio_guest_x86_start, virtio_guest_x86_end
virtio_guest_x86_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	mov $0x1000, %ax
	mov %ax, %es

	movl %es:0x000, %eax		/* MagicValue */
	movl %eax, 0x3000
	movl %es:0x008, %eax		/* DeviceID */
	movl %eax, 0x3004
	movl $1, %es:0x070		/* ACKNOWLEDGE */
	movl $3, %es:0x070		/* DRIVER */
	movl $1, %es:0x024		/* DriverFeaturesSel 1 */
	movl $1, %es:0x020		/* VIRTIO_F_VERSION_1 */
	movl $0, %es:0x024
	movl $0, %es:0x020
	movl $0xb, %es:0x070		/* FEATURES_OK */
	movl %es:0x070, %eax
	movl %eax, 0x3008

	movl $0, %es:0x030		/* QueueSel 0 */
	movl $8, %es:0x038		/* QueueNum */
	movl $0x4000, %es:0x080
	movl $0, %es:0x084
	movl $0x4100, %es:0x090
	movl $0, %es:0x094
	movl $0x4200, %es:0x0a0
	movl $0, %es:0x0a4
	movl $1, %es:0x044		/* QueueReady */
	movl $0xf, %es:0x070		/* DRIVER_OK */

	/* Request 1: IN, sector 1, 512 bytes to 0x6000. */
	movl $0x5000, 0x4000		/* desc 0: header */
	movl $0, 0x4004
	movl $16, 0x4008
	movw $1, 0x400c			/* NEXT */
	movw $1, 0x400e
	movl $0x6000, 0x4010		/* desc 1: data */
	movl $0, 0x4014
	movl $512, 0x4018
	movw $3, 0x401c			/* NEXT | WRITE */
	movw $2, 0x401e
	movl $0x5010, 0x4020		/* desc 2: status */
	movl $0, 0x4024
	movl $1, 0x4028
	movw $2, 0x402c			/* WRITE */
	movw $0, 0x402e
	movl $0, 0x5000			/* type IN */
	movl $0, 0x5004
	movl $1, 0x5008			/* sector 1 */
	movl $0, 0x500c
	movb $0xff, 0x5010
	movw $0, 0x4100			/* avail flags */
	movw $0, 0x4104			/* ring[0] = 0 */
	movw $1, 0x4102			/* avail idx */
	movl $0, %es:0x050		/* QueueNotify 0 */
1:	cmpw $1, 0x4202			/* used idx */
	jne 1b
	movb 0x5010, %al
	movb %al, 0x3010

	/* Request 2: OUT, sector 2, 512 bytes of 0xa5 from 0x7000. */
	xor %ax, %ax
	mov %ax, %es			/* stosb writes through ES: RAM for a moment */
	mov $0x7000, %di
	mov $0xa5, %al
	mov $512, %cx
	rep stosb
	mov $0x1000, %ax
	mov %ax, %es
	movl $1, 0x5000			/* type OUT */
	movl $2, 0x5008			/* sector 2 */
	movb $0xff, 0x5010
	movl $0x7000, 0x4010
	movw $1, 0x401c			/* NEXT only: device-readable */
	movw $0, 0x4106			/* ring[1] = 0 */
	movw $2, 0x4102			/* avail idx */
	movl $0, %es:0x050
2:	cmpw $2, 0x4202
	jne 2b
	movb 0x5010, %al
	movb %al, 0x3011

	movl %es:0x060, %eax		/* InterruptStatus */
	movl %eax, 0x300c
	movl %eax, %es:0x064		/* InterruptACK */
	movl %es:0x060, %eax
	movl %eax, 0x3014

	mov $0x501, %dx
	out %al, %dx			/* done */
3:	hlt
	jmp 3b
virtio_guest_x86_end:
	.section .note.GNU-stack, "", @progbits
