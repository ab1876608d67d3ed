/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACPI PM1a event and control registers as one 6-byte register file: PM1_STS at 0,
 * PM1_EN at 2, PM1_CNT at 4, each little-endian and reachable byte by byte.
 */
#include <cvmm/devices.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* Status bits the guest can see set; the others read 0 (WAK_STS is set by the
   embedder only, after a wake). */
#define STS_BITS                                                                                   \
	(VDEV_ACPI_PM1_TMR | VDEV_ACPI_PM1_GBL | VDEV_ACPI_PM1_PWRBTN | VDEV_ACPI_PM1_RTC |        \
	 VDEV_ACPI_PM1_WAK)
#define EN_BITS (VDEV_ACPI_PM1_TMR | VDEV_ACPI_PM1_GBL | VDEV_ACPI_PM1_PWRBTN | VDEV_ACPI_PM1_RTC)
/* The fixed events that wake a sleeping machine: the RTC alarm when enabled (ACPI 6.4,
   4.8.3.1.1), the power button always (PWRBTN_EN gates only its SCI, as on PC chipsets:
   a guest without a power button driver never sets it). */
#define WAKE_ENABLED_BITS VDEV_ACPI_PM1_RTC
#define WAKE_ALWAYS_BITS VDEV_ACPI_PM1_PWRBTN

struct vdev_acpi_pm {
	pthread_mutex_t lock;
	struct vdev_acpi_pm_config cfg;
	uint16_t sts, en, cnt;
	bool sci_level;
};

int vdev_acpi_pm_create(const struct vdev_acpi_pm_config *cfg, struct vdev_acpi_pm **out)
{
	struct vdev_acpi_pm *pm;

	if (!cfg || !out)
		return -EINVAL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pthread_mutex_init(&pm->lock, NULL);
	pm->cfg = *cfg;
	pm->cnt = VDEV_ACPI_PM1_SCI_EN;
	*out = pm;
	return 0;
}

void vdev_acpi_pm_destroy(struct vdev_acpi_pm *pm)
{
	if (!pm)
		return;
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

/* Drives the SCI to the level the registers ask for, if it changes. Called with the lock
   held, as every device drives its line (devices.h), so that levels arrive in order. */
static void sci_update(struct vdev_acpi_pm *pm)
{
	bool level = (pm->sts & pm->en & EN_BITS) != 0;

	if (level == pm->sci_level)
		return;
	pm->sci_level = level;
	if (level)
		vdev_irq_assert(&pm->cfg.sci);
	else
		vdev_irq_deassert(&pm->cfg.sci);
}

static uint8_t reg_byte(const struct vdev_acpi_pm *pm, uint64_t off)
{
	uint16_t r = off < 2 ? pm->sts : off < 4 ? pm->en : pm->cnt;
	return (uint8_t)(r >> (8 * (off & 1)));
}

/* Whether byte i of an access at offset is a register byte, without offset + i wrapping. */
static bool inside(uint64_t offset, uint32_t i)
{
	return i < VDEV_ACPI_PM_SIZE && offset < VDEV_ACPI_PM_SIZE - i;
}

static bool size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int vdev_acpi_pm_read(struct vdev_acpi_pm *pm, uint64_t offset, uint8_t *data, uint32_t size)
{
	if (!pm || !data || !size_ok(size))
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	for (uint32_t i = 0; i < size; i++)
		data[i] = inside(offset, i) ? reg_byte(pm, offset + i) : 0;
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

int vdev_acpi_pm_write(struct vdev_acpi_pm *pm, uint64_t offset, const uint8_t *data, uint32_t size)
{
	bool sleep = false;
	unsigned int slp_typ = 0;

	if (!pm || !data || !size_ok(size))
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	for (uint32_t i = 0; i < size && inside(offset, i); i++) {
		uint64_t o = offset + i;
		uint16_t v = (uint16_t)(data[i] << (8 * (o & 1)));
		uint16_t m = (uint16_t)(0xff << (8 * (o & 1)));

		if (o < 2)
			pm->sts &= (uint16_t)~v; /* write one to clear */
		else if (o < 4)
			pm->en = (uint16_t)(((pm->en & ~m) | v) & EN_BITS);
		else
			pm->cnt = (uint16_t)((pm->cnt & ~m) | v);
	}
	if (pm->cnt & VDEV_ACPI_PM1_SLP_EN) {
		sleep = true;
		slp_typ = (pm->cnt & VDEV_ACPI_PM1_SLP_TYP_MASK) >> VDEV_ACPI_PM1_SLP_TYP_SHIFT;
		pm->cnt &= (uint16_t)~VDEV_ACPI_PM1_SLP_EN;
	}
	pm->cnt |= VDEV_ACPI_PM1_SCI_EN; /* always in ACPI mode */
	sci_update(pm);
	pthread_mutex_unlock(&pm->lock);
	if (sleep && pm->cfg.sleep)
		pm->cfg.sleep(pm->cfg.ctx, slp_typ);
	return 0;
}

int vdev_acpi_pm_event(struct vdev_acpi_pm *pm, uint16_t status)
{
	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->sts |= (uint16_t)(status & STS_BITS);
	sci_update(pm);
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

int vdev_acpi_pm_wake_pending(struct vdev_acpi_pm *pm)
{
	int pending;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pending = (pm->sts & ((pm->en & WAKE_ENABLED_BITS) | WAKE_ALWAYS_BITS)) != 0;
	pthread_mutex_unlock(&pm->lock);
	return pending;
}

int vdev_acpi_pm_woke(struct vdev_acpi_pm *pm)
{
	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->sts |= VDEV_ACPI_PM1_WAK;
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

static int ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_acpi_pm_read(ctx, offset, data, size);
}

static int ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_acpi_pm_write(ctx, offset, data, size);
}

static const struct vdev_ops acpi_pm_ops = {.read = ops_read, .write = ops_write};

const struct vdev_ops *vdev_acpi_pm_ops(void)
{
	return &acpi_pm_ops;
}

int vdev_acpi_pm_irq_replay(struct vdev_acpi_pm *pm)
{
	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	if (pm->sci_level) {
		vdev_irq_deassert(&pm->cfg.sci);
		vdev_irq_assert(&pm->cfg.sci);
	}
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

/*
 * Saved state, version 1: PM1_STS, PM1_EN and PM1_CNT (each a u16). A sleep request is
 * never state (SLP_EN reads 0: the embedder acted on it when the guest wrote it), and
 * SCI_EN is always set.
 */
#define ACPI_PM_STATE_TAG VDEV_STATE_TAG('A', 'P', 'M', '1')
#define ACPI_PM_STATE_VERSION 1u

int vdev_acpi_pm_save(const struct vdev_acpi_pm *pm, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!pm || !w)
		return -EINVAL;
	lock = (pthread_mutex_t *)&pm->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, ACPI_PM_STATE_TAG, ACPI_PM_STATE_VERSION);
	vdev_state_put_u16(w, pm->sts);
	vdev_state_put_u16(w, pm->en);
	vdev_state_put_u16(w, pm->cnt);
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

int vdev_acpi_pm_restore(struct vdev_acpi_pm *pm, struct vdev_state_reader *r)
{
	struct vdev_state_reader s;
	uint16_t sts, en, cnt;

	if (!pm || !r)
		return -EINVAL;
	if (vdev_state_open(r, ACPI_PM_STATE_TAG, ACPI_PM_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	sts = vdev_state_get_u16(&s);
	en = vdev_state_get_u16(&s);
	cnt = vdev_state_get_u16(&s);
	if (sts & ~STS_BITS)
		vdev_state_fail(&s, "acpi-pm: PM1_STS %#x has bits this machine never sets", sts);
	if (en & ~EN_BITS)
		vdev_state_fail(&s, "acpi-pm: PM1_EN %#x has bits this machine does not have", en);
	if (!(cnt & VDEV_ACPI_PM1_SCI_EN))
		vdev_state_fail(&s, "acpi-pm: PM1_CNT %#x without SCI_EN (always in ACPI mode)",
		                cnt);
	if (cnt & VDEV_ACPI_PM1_SLP_EN)
		vdev_state_fail(&s, "acpi-pm: PM1_CNT %#x with SLP_EN (it reads 0)", cnt);
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&pm->lock);
	pm->sts = sts;
	pm->en = en;
	pm->cnt = cnt;
	/* Set, not driven: the embedder replays the SCI (vdev_acpi_pm_irq_replay()). */
	pm->sci_level = (sts & en & EN_BITS) != 0;
	pthread_mutex_unlock(&pm->lock);
	return 0;
}
