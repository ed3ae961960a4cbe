/* test_rules.c — placeholder. */
#include <criterion/criterion.h>

Test(rules, placeholder)
{
	cr_assert(1);
}
