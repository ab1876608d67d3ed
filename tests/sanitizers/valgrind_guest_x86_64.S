/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bare-metal x86_64 guest for vmm-ref under valgrind (valgrind_vmm_ref.sh). vmm-ref
 * loads it as an ELF "vmlinux" and enters it in 64-bit mode (the first 4 GiB identity
 * mapped, interrupts off). It exercises the paths of vmm-ref a guest reaches:
 *   - the 16550 on port 0x3f8 (every line it prints);
 *   - virtio-mmio slot 0, a virtio-blk disk: initialisation, a write of sector 1 and a
 *     read of sector 0 (notifications through vmm-ref's ioeventfds, requests handled on
 *     its main thread);
 *   - virtio-mmio slot 1, a virtio-rng: one 64-byte request, then a descriptor loop the
 *     device must refuse with DEVICE_NEEDS_RESET, then a reset;
 *   - the ACPI PM1 control register: SLP_EN with \_S5's type, a clean power-off.
 * It prints "CVMM-X86 PASS" when every check held, or "CVMM-X86 FAIL: <what>", and
 * powers off either way. Run with --memory 32 --disk IMG --rng, IMG's sector 0 starting
 * with "CVMM-VAL".
 */

#include "baremetal_x86_64.inc"
#define VIRTIO_SLOT0 0xd0000000
#define VIRTIO_SLOT1 0xd0000200

/* virtio-mmio registers */
#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define DRV_FEAT 0x020
#define DRV_FEAT_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define STATUS 0x070
#define DESC_LO 0x080
#define DESC_HI 0x084
#define DRIVER_LO 0x090
#define DRIVER_HI 0x094
#define DEVICE_LO 0x0a0
#define DEVICE_HI 0x0a4

#define QSIZE 8
/* A queue area: descriptors at +0, available ring at +0x1000, used ring at +0x2000. */
#define BLK_Q 0x200000
#define BLK_HDR 0x204000
#define BLK_WDATA 0x205000
#define BLK_STATUS 0x206000
#define BLK_RDATA 0x207000
#define RNG_Q 0x210000
#define RNG_BUF 0x214000

#define F_NEXT 1
#define F_WRITE 2

/* How long to poll for a completion (iterations) before failing rather than hanging:
   a bound for a device that never answers, not a speed check. vmm-ref under valgrind
   inside the emulated x86_64 host takes more than two million iterations to answer;
   valgrind_vmm_ref.sh's own time limit ends a run that is merely slow. */
#define POLL_LIMIT 0x7fffffff

	.code64
	.text
	.globl _start
_start:
	cli
	mov	$0x90000, %rsp
	lea	msg_hello(%rip), %rsi
	call	puts

	/* ---- virtio-blk in slot 0 ---- */
	movl	$VIRTIO_SLOT0, %ebx
	mov	$2, %edi
	mov	$BLK_Q, %r12d
	call	device_up

	/* Write sector 1: "VALGRIND" 64 times. */
	mov	$BLK_WDATA, %edi
	movabs	$0x444e4952474c4156, %rax /* "VALGRIND" */
	mov	$64, %ecx
1:	mov	%rax, (%rdi)
	add	$8, %rdi
	dec	%ecx
	jnz	1b
	movl	$1, BLK_HDR         /* VIRTIO_BLK_T_OUT */
	movl	$0, BLK_HDR + 4
	movq	$1, BLK_HDR + 8     /* sector 1 */
	movb	$0xff, BLK_STATUS
	mov	$BLK_Q, %r12d
	movq	$BLK_HDR, 0(%r12)
	movl	$16, 8(%r12)
	movw	$F_NEXT, 12(%r12)
	movw	$1, 14(%r12)
	movq	$BLK_WDATA, 16(%r12)
	movl	$512, 24(%r12)
	movw	$F_NEXT, 28(%r12)
	movw	$2, 30(%r12)
	movq	$BLK_STATUS, 32(%r12)
	movl	$1, 40(%r12)
	movw	$F_WRITE, 44(%r12)
	movw	$0, 46(%r12)
	xor	%r13d, %r13d
	call	submit_wait
	lea	msg_blk_write(%rip), %rsi
	cmpb	$0, BLK_STATUS
	jne	fail
	lea	msg_blk_write_ok(%rip), %rsi
	call	puts

	/* Read sector 0 into BLK_RDATA. */
	movl	$0, BLK_HDR         /* VIRTIO_BLK_T_IN */
	movq	$0, BLK_HDR + 8
	movb	$0xff, BLK_STATUS
	movq	$BLK_RDATA, 16(%r12)
	movw	$(F_NEXT | F_WRITE), 28(%r12)
	call	submit_wait
	lea	msg_blk_read(%rip), %rsi
	cmpb	$0, BLK_STATUS
	jne	fail
	movabs	$0x4c41562d4d4d5643, %rax /* "CVMM-VAL" */
	cmp	BLK_RDATA, %rax
	jne	fail
	lea	msg_blk_read_ok(%rip), %rsi
	call	puts

	/* ---- virtio-rng in slot 1 ---- */
	movl	$VIRTIO_SLOT1, %ebx
	mov	$4, %edi
	mov	$RNG_Q, %r12d
	call	device_up
	movq	$RNG_BUF, 0(%r12)
	movl	$64, 8(%r12)
	movw	$F_WRITE, 12(%r12)
	movw	$0, 14(%r12)
	xor	%r13d, %r13d
	call	submit_wait
	lea	msg_rng(%rip), %rsi
	cmpl	$64, 0x2008(%r12)  /* used ring element 0: len */
	jne	fail
	lea	msg_rng_ok(%rip), %rsi
	call	puts

	/* A descriptor that chains to itself: the device must give up on the queue. */
	movw	$(F_WRITE | F_NEXT), 12(%r12)
	movw	$0, 14(%r12)
	call	submit
	mov	$POLL_LIMIT, %ecx
1:	testl	$0x40, STATUS(%rbx)
	jnz	2f
	dec	%ecx
	jnz	1b
	lea	msg_loop(%rip), %rsi
	jmp	fail
2:	movl	$0, STATUS(%rbx)
	lea	msg_loop_ok(%rip), %rsi
	call	puts

	lea	msg_pass(%rip), %rsi
	call	puts
	jmp	poweroff

/* fail: prints "CVMM-X86 FAIL: " and the message at rsi, then powers off. */
fail:
	push	%rsi
	lea	msg_fail(%rip), %rsi
	call	puts
	pop	%rsi
	call	puts
poweroff:
	mov	$PM1_CNT, %dx
	mov	$S5_POWEROFF, %ax
	out	%ax, %dx
	/* Not reached: vmm-ref stops the vCPU on the write. */
1:	hlt
	jmp	1b

	baremetal_puts

/* device_up: brings up the virtio-mmio device at rbx (expected id in edi) with queue 0
   of QSIZE entries in the area at r12, feature VERSION_1 only, up to DRIVER_OK. */
device_up:
	lea	msg_magic(%rip), %rsi
	cmpl	$0x74726976, MAGIC(%rbx)
	jne	fail
	cmpl	$2, VERSION(%rbx)
	jne	fail
	lea	msg_devid(%rip), %rsi
	cmp	DEVICE_ID(%rbx), %edi
	jne	fail
	movl	$0, STATUS(%rbx)
	movl	$1, STATUS(%rbx)
	movl	$3, STATUS(%rbx)
	movl	$1, DRV_FEAT_SEL(%rbx)
	movl	$1, DRV_FEAT(%rbx)      /* VIRTIO_F_VERSION_1 (bit 32) */
	movl	$0, DRV_FEAT_SEL(%rbx)
	movl	$0, DRV_FEAT(%rbx)
	movl	$0xb, STATUS(%rbx)
	lea	msg_features(%rip), %rsi
	testl	$8, STATUS(%rbx)
	jz	fail
	movl	$0, QUEUE_SEL(%rbx)
	lea	msg_queue(%rip), %rsi
	cmpl	$QSIZE, QUEUE_NUM_MAX(%rbx)
	jb	fail
	movl	$QSIZE, QUEUE_NUM(%rbx)
	movl	%r12d, DESC_LO(%rbx)
	movl	$0, DESC_HI(%rbx)
	lea	0x1000(%r12), %eax
	movl	%eax, DRIVER_LO(%rbx)
	movl	$0, DRIVER_HI(%rbx)
	lea	0x2000(%r12), %eax
	movl	%eax, DEVICE_LO(%rbx)
	movl	$0, DEVICE_HI(%rbx)
	movl	$1, QUEUE_READY(%rbx)
	cmpl	$1, QUEUE_READY(%rbx)
	jne	fail
	movl	$0xf, STATUS(%rbx)
	cmpl	$0xf, STATUS(%rbx)
	jne	fail
	ret

/* submit: makes descriptor r13w available on queue 0 of the device at rbx (area r12) and
   notifies; returns the new available index in eax. */
submit:
	movzwl	0x1002(%r12), %eax
	mov	%eax, %ecx
	and	$(QSIZE - 1), %ecx
	movw	%r13w, 0x1004(%r12, %rcx, 2)
	inc	%eax
	movw	%ax, 0x1002(%r12)
	movl	$0, QUEUE_NOTIFY(%rbx)
	ret

/* submit_wait: submit, then polls the used index until the device has used it. */
submit_wait:
	call	submit
	mov	$POLL_LIMIT, %ecx
1:	cmpw	0x2002(%r12), %ax
	je	2f
	dec	%ecx
	jnz	1b
	lea	msg_timeout(%rip), %rsi
	jmp	fail
2:	ret

	.section .rodata
msg_hello:	.asciz "CVMM-X86 hello from a bare-metal guest\n"
msg_blk_write:	.asciz "virtio-blk write of sector 1 failed\n"
msg_blk_write_ok: .asciz "CVMM-X86 virtio-blk: sector 1 written\n"
msg_blk_read:	.asciz "virtio-blk read of sector 0 failed or wrong\n"
msg_blk_read_ok: .asciz "CVMM-X86 virtio-blk: sector 0 read\n"
msg_rng:	.asciz "virtio-rng gave not 64 bytes\n"
msg_rng_ok:	.asciz "CVMM-X86 virtio-rng: 64 bytes\n"
msg_loop:	.asciz "a descriptor loop did not set DEVICE_NEEDS_RESET\n"
msg_loop_ok:	.asciz "CVMM-X86 virtio-rng: descriptor loop refused, device reset\n"
msg_magic:	.asciz "no virtio-mmio device (magic, version)\n"
msg_devid:	.asciz "unexpected virtio device id\n"
msg_features:	.asciz "FEATURES_OK refused\n"
msg_queue:	.asciz "queue set-up refused\n"
msg_timeout:	.asciz "no completion (timeout)\n"
msg_fail:	.asciz "CVMM-X86 FAIL: "
msg_pass:	.asciz "CVMM-X86 PASS\n"
