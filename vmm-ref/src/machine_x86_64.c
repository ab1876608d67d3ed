/*
 * The x86_64 machine: not implemented yet. It describes where the devices will sit and
 * refuses to create the machine, so that vmm-ref builds and fails with one clear line.
 */
#include "machine.h"

#include <errno.h>
#include <stdio.h>

void vmm_arch_describe(struct vmm_arch_desc *d)
{
	*d = (struct vmm_arch_desc){
	    .uart_on_pio = true,
	    .uart_base = 0x3f8,
	    .uart_irq = 4,
	    .virtio_base = 0xd0000000ull,
	    .virtio_stride = 0x200,
	    .virtio_irq = 5,
	    .virtio_slots = 8,
	};
}

unsigned long vmm_arch_vm_type(const struct vmm_machine_env *env)
{
	(void)env;
	return 0;
}

int vmm_arch_create(struct vmm_machine_env *env, struct vmm_arch **out, char *err, size_t err_size)
{
	(void)env;
	*out = NULL;
	snprintf(err, err_size, "running an x86_64 guest is not implemented yet");
	return -ENOSYS;
}

void vmm_arch_boot_request(struct vmm_arch *a, struct vmm_boot_request *req)
{
	(void)a, (void)req;
}

int vmm_arch_add_devices(struct vmm_arch *a, char *err, size_t err_size)
{
	(void)a, (void)err, (void)err_size;
	return -ENOSYS;
}

int vmm_arch_create_vcpus(struct vmm_arch *a, const struct vmm_boot_info *boot, char *err,
                          size_t err_size)
{
	(void)a, (void)boot, (void)err, (void)err_size;
	return -ENOSYS;
}

int vmm_arch_set_irq(struct vmm_arch *a, uint32_t line, bool level)
{
	(void)a, (void)line, (void)level;
	return -ENOSYS;
}

void vmm_arch_destroy(struct vmm_arch *a)
{
	(void)a;
}
