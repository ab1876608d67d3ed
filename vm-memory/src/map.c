/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: the guest memory map. See include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

/* ------------------------------------------------------------------------------------- */
/* The map                                                                                */
/* ------------------------------------------------------------------------------------- */

int vmem_map_create(struct vmem_map **out)
{
	if (!out)
		return -EINVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void vmem_map_destroy(struct vmem_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		vmem_region_destroy(m->ents[i].r);
	free(m->starts);
	free(m->ents);
	free(m);
}

/* Number of regions starting below gpa. */
static size_t lower_bound(const struct vmem_map *m, uint64_t gpa)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->starts[mid] < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vmem_map_insert(struct vmem_map *m, struct vmem_region *r)
{
	if (!m || !r)
		return -EINVAL;
	if (r->owner)
		return -EBUSY;
	size_t i = lower_bound(m, r->gpa);
	if (i > 0 && m->ents[i - 1].last >= r->gpa)
		return -EEXIST;
	if (i < m->n && m->starts[i] <= r->last)
		return -EEXIST;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		uint64_t *s = realloc(m->starts, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		m->starts = s;
		struct vmem_entry *e = realloc(m->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		m->ents = e;
		m->cap = cap;
	}
	/* Smallest slot number no region of the map uses. */
	bool *used = calloc(m->n + 1, sizeof(bool));
	if (!used)
		return -ENOMEM;
	for (size_t k = 0; k < m->n; k++)
		if (m->ents[k].r->slot <= m->n)
			used[m->ents[k].r->slot] = true;
	uint32_t slot = 0;
	while (used[slot])
		slot++;
	free(used);

	memmove(&m->starts[i + 1], &m->starts[i], (m->n - i) * sizeof(*m->starts));
	memmove(&m->ents[i + 1], &m->ents[i], (m->n - i) * sizeof(*m->ents));
	m->starts[i] = r->gpa;
	m->ents[i] = (struct vmem_entry){.start = r->gpa, .last = r->last, .host = r->host, .r = r};
	m->n++;
	r->slot = slot;
	r->owner = m;
	return 0;
}

int vmem_map_remove(struct vmem_map *m, uint64_t gpa, struct vmem_region **out)
{
	if (!m)
		return -EINVAL;
	long i = find_idx(m, gpa);
	if (i < 0 || m->starts[i] != gpa)
		return -ENOENT;
	struct vmem_region *r = m->ents[i].r;
	memmove(&m->starts[i], &m->starts[i + 1], (m->n - i - 1) * sizeof(*m->starts));
	memmove(&m->ents[i], &m->ents[i + 1], (m->n - i - 1) * sizeof(*m->ents));
	m->n--;
	r->owner = NULL;
	r->slot = VMEM_NO_SLOT;
	if (out)
		*out = r;
	else
		vmem_region_destroy(r);
	return 0;
}

int vmem_map_add(struct vmem_map *m, const struct vmem_region_options *opts,
                 struct vmem_region **out)
{
	if (!m)
		return -EINVAL;
	struct vmem_region *r;
	int rc = vmem_region_create(opts, &r);
	if (rc)
		return rc;
	rc = vmem_map_insert(m, r);
	if (rc) {
		vmem_region_destroy(r);
		return rc;
	}
	if (out)
		*out = r;
	return 0;
}

int vmem_map_add_anon(struct vmem_map *m, uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct vmem_region_options o = {.gpa = gpa, .size = size, .flags = flags};
	return vmem_map_add(m, &o, NULL);
}

size_t vmem_map_region_count(const struct vmem_map *m)
{
	return m ? m->n : 0;
}

struct vmem_region *vmem_map_region_at(const struct vmem_map *m, size_t i)
{
	return (m && i < m->n) ? m->ents[i].r : NULL;
}

int vmem_map_for_each(const struct vmem_map *m, int (*fn)(struct vmem_region *r, void *opaque),
                      void *opaque)
{
	if (!m || !fn)
		return -EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		int rc = fn(m->ents[i].r, opaque);
		if (rc)
			return rc;
	}
	return 0;
}

struct vmem_region *vmem_map_find(const struct vmem_map *m, uint64_t gpa)
{
	if (!m)
		return NULL;
	const struct vmem_entry *e = lookup(m, gpa);
	return e ? e->r : NULL;
}

uint64_t vmem_map_end(const struct vmem_map *m)
{
	if (!m || !m->n)
		return 0;
	return m->ents[m->n - 1].last + 1;
}
