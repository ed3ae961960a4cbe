/* test_site.c — placeholder. */
#include <criterion/criterion.h>

Test(site, placeholder)
{
	cr_assert(1);
}
