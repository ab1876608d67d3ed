/* SPDX-License-Identifier: Apache-2.0 */
/* Regions backed by hugetlbfs pages (anonymous and memfd). A program of its own because
   it skips itself on systems without reserved huge pages (/proc/sys/vm/nr_hugepages 0),
   and a skip reports the whole program as skipped. */
#include "helpers.h"

#include <string.h>

Test(hugetlb, alignment_is_the_huge_page_size)
{
	size_t hp = vmem_huge_page_size();
	cr_assert_geq(hp, PG);
	cr_assert_eq(hp & (hp - 1), 0);
	struct vmem_region_options o = {.gpa = PG, .size = hp, .flags = VMEM_REGION_HUGETLB};
	struct vmem_region *r;
	if (hp != PG)
		cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "gpa not huge-page aligned");
	o = (struct vmem_region_options){.gpa = hp, .size = PG, .flags = VMEM_REGION_HUGETLB};
	if (hp != PG)
		cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "size not huge-page aligned");
}

Test(hugetlb, anonymous_and_memfd)
{
	size_t hp = vmem_huge_page_size();
	cr_assert_geq(hp, PG);
	cr_assert_eq(hp & (hp - 1), 0);
	struct vmem_region_options o = {.gpa = hp, .size = hp, .flags = VMEM_REGION_HUGETLB};
	struct vmem_region *r;
	o.gpa = PG;
	if (hp != PG)
		cr_assert_eq(vmem_region_create(&o, &r), -EINVAL, "gpa not huge-page aligned");
	o.gpa = hp;
	int rc = vmem_region_create(&o, &r);
	if (rc == -ENOMEM || rc == -EINVAL || rc == -ENOSYS)
		cr_skip_test("no huge pages here (%d)", rc);
	cr_assert_eq(rc, 0);
	cr_assert_eq((uintptr_t)vmem_region_host(r) % hp, 0);
	memset(vmem_region_host(r), 3, hp);
	vmem_region_destroy(r);
	/* memfd on hugetlbfs */
	o.backing = VMEM_BACKING_MEMFD;
	o.flags |= VMEM_REGION_SHARED;
	rc = vmem_region_create(&o, &r);
	if (rc == -ENOMEM || rc == -EINVAL || rc == -ENOSYS)
		cr_skip_test("no huge pages for a memfd here (%d)", rc);
	cr_assert_eq(rc, 0);
	memset(vmem_region_host(r), 4, hp);
	vmem_region_destroy(r);
}
